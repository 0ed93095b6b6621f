"""The referrals service's read model, kept in the same transaction as its events."""

from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, Uuid

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
    Column("decided_on", Date, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
