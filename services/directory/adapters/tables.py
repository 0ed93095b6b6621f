"""The directory's read model, kept in the same transaction as its events.

The read model is derived data: when its shape changes, READ_MODEL_VERSION goes up and the
service rebuilds these tables from its own event store at start (see adapters/read_model.py).
"""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

# 1: assistants as first registered; 2: terms of employment and activity, institutions;
# 3: assistants' logins.
READ_MODEL_VERSION = 3

metadata = MetaData()

read_model_version = Table(
    "read_model_version",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
)

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
    Column("working_time", String(20), nullable=True),
    Column("hours_per_week", Integer, nullable=True),
    Column("working_time_system", String(20), nullable=True),
    Column("works_until", Date, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("ended_on", Date, nullable=True),
    Column("end_reason", String(40), nullable=True),
    # How the assistant signs in (one login, one assistant: the rule's backstop is this key).
    Column("login", String(64), nullable=True, unique=True),
    # Where the assistant's daily digest goes (staff's work address; none for most so far).
    Column("email", String(254), nullable=True),
)

institutions = Table(
    "institutions",
    metadata,
    Column("institution_id", Uuid, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("category", String(40), nullable=False, index=True),
    # One REGON, one institution (also across closed ones): the rule lives in this key.
    Column("regon", String(14), nullable=False, unique=True),
    Column("street", String(200), nullable=False),
    Column("postal_code", String(6), nullable=False),
    Column("city", String(100), nullable=False),
    Column("district", String(7), nullable=False, index=True),
    Column("also_serves", JSON, nullable=False),
    Column("phone", String(40), nullable=True),
    Column("email", String(254), nullable=True),
    Column("opening_hours", String(500), nullable=False),
    Column("competence", JSON, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("closure_reason", String(500), nullable=True),
    # Folded (lower case, no diacritics) forms for search and a collation-free order.
    Column("sort_name", String(300), nullable=False, index=True),
    Column("search_text", Text, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Every district an institution serves (its seat and the others), for search by district.
institution_districts = Table(
    "institution_districts",
    metadata,
    Column(
        "institution_id",
        Uuid,
        ForeignKey("institutions.institution_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("district", String(7), primary_key=True, index=True),
)

READ_MODEL_TABLES = (assistants, institutions, institution_districts)
