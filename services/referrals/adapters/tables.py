"""The referrals service's read models, kept in the same transaction as the events."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("source", String(30), nullable=False),
    Column("sender_reference", String(200), nullable=True),
    Column("status", String(30), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("interviewed_on", Date, nullable=True),
    Column("decided_on", Date, nullable=True),
    Column("linked_to_referral_id", Uuid, nullable=True),
    Column("linked_to_case_id", Uuid, nullable=True),
    Column("linked_referrals", Integer, nullable=False, default=0),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # Who recorded the referral (the event's actor, "social_worker:anna"): "moje zgłoszenia".
    Column("referred_by", String(200), nullable=True, index=True),
    # The family as lists show it, sealed under the family's key, and keyed digests for
    # search (shared.eventstore.family_columns); null once the family is erased.
    Column("family", Text, nullable=True),
    Column("children", Integer, nullable=True),
    Column("surname_digests", Text, nullable=True),
    Column("pesel_digests", Text, nullable=True),
)

# Open referrals by a keyed digest of each member's PESEL. The primary key makes two
# concurrent referrals of one family collide, so the second is linked, not opened twice.
open_referral_members = Table(
    "open_referral_members",
    metadata,
    Column("pesel_digest", String(64), primary_key=True),
    Column("referral_id", Uuid, nullable=False, index=True),
    Column("family_id", Uuid, nullable=False),
)

# Families with a case in casework (from casework's events), by PESEL digest.
case_members = Table(
    "case_members",
    metadata,
    Column("pesel_digest", String(64), primary_key=True),
    Column("case_id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False),
    Column("district", String(7), nullable=False),
    Column("active", Boolean, nullable=False),
)

# Inbound notifications of schools and courts, by the sender's own reference: the same
# notification sent again gets the same answer and has no second effect.
notifications = Table(
    "notifications",
    metadata,
    Column("sender_key", String(400), primary_key=True),
    Column("notification_id", Uuid, nullable=False, unique=True),
    Column("sender", String(300), nullable=False),
    Column("sender_subject", String(200), nullable=False),  # who sent it (token subject)
    Column("district", String(7), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("body_digest", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("referral_id", Uuid, nullable=True),
    Column("case_id", Uuid, nullable=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
)
