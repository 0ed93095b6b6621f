"""Casework's read models, kept in the same transaction as the events they follow."""

from sqlalchemy import (
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

from shared.runtime.assistant_logins import logins_table

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False, unique=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("obligatory", Boolean, nullable=False, default=False),
    Column("status", String(20), nullable=False, index=True),
    Column("assistant_id", Uuid, nullable=True, index=True),
    Column("opened_on", Date, nullable=False),
    Column("consent_on", Date, nullable=True),
    Column("work_started_on", Date, nullable=True),
    Column("plan_version", Integer, nullable=False, default=0),
    Column("last_visit_on", Date, nullable=True),
    Column("next_assessment_due", Date, nullable=True, index=True),
    Column("closed_on", Date, nullable=True),
    Column("closure_reason", String(40), nullable=True),
    Column("monitoring_until", Date, nullable=True),
    Column("monitoring_assistant_id", Uuid, nullable=True),
    # Comma-separated district codes of every centre the case was with, in order (null in
    # rows written before the column existed: the access check then folds the stream).
    Column("districts", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The family as lists show it (names, address, phone): JSON encrypted under the family's
    # key (shared.eventstore.crypto.seal_value), null once the family is erased.
    Column("family", Text, nullable=True),
    Column("children", Integer, nullable=True),
    # Space-separated keyed digests for search (shared.domain.name_search and
    # shared.domain.identifiers.pesel_digest), each preceded by a space so that
    # `LIKE '% digest%'` finds one; null once the family is erased.
    Column("surname_digests", Text, nullable=True),
    Column("pesel_digests", Text, nullable=True),
)

case_visits = Table(
    "case_visits",
    metadata,
    Column("visit_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("visited_on", Date, nullable=False),
)

court_opinions = Table(
    "court_opinions",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("case_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("court_name", String(300), nullable=False),
    Column("case_signature", String(100), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("submitted_on", Date, nullable=True),
)

caseloads = Table(
    "caseloads",
    metadata,
    Column("assistant_id", Uuid, primary_key=True),
    Column("district", String(7), nullable=False, index=True),
    Column("active_families", Integer, nullable=False),
    Column("family_limit", Integer, nullable=False),
    Column("active", Boolean, nullable=True, default=True),
    Column("assistant_name", String(201), nullable=True),
)

# Which assistant signs in with which login, from the directory's events.
assistant_logins = logins_table(metadata)
