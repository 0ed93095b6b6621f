"""The directory service's schema as the last release before migrations created it: the kernel's
tables and the service's own, taken over as they are on a database of that release.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared.migrations import kernel_0001
from shared.migrations.baseline import adopt, nothing_to_undo

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def tables(metadata: sa.MetaData) -> None:
    """The service's own tables at this revision (frozen: later changes are new revisions)."""
    sa.Table(
        "assistants",
        metadata,
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("employment_form", sa.String(length=40), nullable=False),
        sa.Column("works_since", sa.Date(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("working_time", sa.String(length=20), nullable=True),
        sa.Column("hours_per_week", sa.Integer(), nullable=True),
        sa.Column("working_time_system", sa.String(length=20), nullable=True),
        sa.Column("works_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("assistant_id"),
    )
    sa.Index("ix_assistants_district", metadata.tables["assistants"].c["district"], unique=False)
    sa.Table(
        "institutions",
        metadata,
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("regon", sa.String(length=14), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postal_code", sa.String(length=6), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("also_serves", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("opening_hours", sa.String(length=500), nullable=False),
        sa.Column("competence", sa.JSON(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=500), nullable=True),
        sa.Column("sort_name", sa.String(length=300), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("institution_id"),
        sa.UniqueConstraint("regon"),
    )
    sa.Index(
        "ix_institutions_category", metadata.tables["institutions"].c["category"], unique=False
    )
    sa.Index(
        "ix_institutions_district", metadata.tables["institutions"].c["district"], unique=False
    )
    sa.Index(
        "ix_institutions_sort_name", metadata.tables["institutions"].c["sort_name"], unique=False
    )
    sa.Table(
        "read_model_version",
        metadata,
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    sa.Table(
        "institution_districts",
        metadata,
        sa.Column("institution_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"], ["institutions.institution_id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("institution_id", "district"),
    )
    sa.Index(
        "ix_institution_districts_district",
        metadata.tables["institution_districts"].c["district"],
        unique=False,
    )


# The read model rebuilt from the directory's own events at start (adapters/read_model.py).
READ_MODEL = ("assistants", "institutions", "institution_districts")


def upgrade() -> None:
    if adopt(kernel_0001.tables, tables, derived=READ_MODEL):
        # A read model of an older shape was emptied: the service rebuilds it at start.
        op.execute("DELETE FROM read_model_version")


def downgrade() -> None:
    nothing_to_undo()
