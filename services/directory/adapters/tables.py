"""The directory's read model, kept in the same transaction as its events."""

from sqlalchemy import Column, Date, DateTime, MetaData, String, Table, Uuid

metadata = MetaData()

assistants = Table(
    "assistants",
    metadata,
    Column("assistant_id", Uuid, primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("district", String(7), nullable=False, index=True),
    Column("employment_form", String(40), nullable=False),
    Column("works_since", Date, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
)
