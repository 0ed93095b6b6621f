"""Casework's read model of cases, kept in the same transaction as the case's events."""

from sqlalchemy import Column, Date, DateTime, Integer, MetaData, String, Table, Uuid

metadata = MetaData()

cases = Table(
    "cases",
    metadata,
    Column("case_id", Uuid, primary_key=True),
    Column("referral_id", Uuid, nullable=False, unique=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("district", String(7), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("assistant_id", Uuid, nullable=True, index=True),
    Column("opened_on", Date, nullable=False),
    Column("plan_version", Integer, nullable=False, default=0),
    Column("last_visit_on", Date, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
