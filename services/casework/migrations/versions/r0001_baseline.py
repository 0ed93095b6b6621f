"""The casework service's schema as the last release before migrations created it: the kernel's
tables and the service's own, taken over as they are on a database of that release.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.migrations import kernel_0001
from shared.migrations.baseline import adopt, nothing_to_undo

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def tables(metadata: sa.MetaData) -> None:
    """The service's own tables at this revision (frozen: later changes are new revisions)."""
    sa.Table(
        "case_visits",
        metadata,
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id"),
    )
    sa.Index("ix_case_visits_case_id", metadata.tables["case_visits"].c["case_id"], unique=False)
    sa.Table(
        "caseloads",
        metadata,
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("active_families", sa.Integer(), nullable=False),
        sa.Column("family_limit", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("assistant_name", sa.String(length=201), nullable=True),
        sa.PrimaryKeyConstraint("assistant_id"),
    )
    sa.Index("ix_caseloads_district", metadata.tables["caseloads"].c["district"], unique=False)
    sa.Table(
        "cases",
        metadata,
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("obligatory", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assistant_id", sa.Uuid(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("work_started_on", sa.Date(), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("next_assessment_due", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=40), nullable=True),
        sa.Column("monitoring_until", sa.Date(), nullable=True),
        sa.Column("monitoring_assistant_id", sa.Uuid(), nullable=True),
        sa.Column("districts", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("surname_digests", sa.Text(), nullable=True),
        sa.Column("pesel_digests", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
        sa.UniqueConstraint("referral_id"),
    )
    sa.Index("ix_cases_assistant_id", metadata.tables["cases"].c["assistant_id"], unique=False)
    sa.Index("ix_cases_district", metadata.tables["cases"].c["district"], unique=False)
    sa.Index("ix_cases_family_id", metadata.tables["cases"].c["family_id"], unique=False)
    sa.Index(
        "ix_cases_next_assessment_due",
        metadata.tables["cases"].c["next_assessment_due"],
        unique=False,
    )
    sa.Index("ix_cases_status", metadata.tables["cases"].c["status"], unique=False)
    sa.Table(
        "court_opinions",
        metadata,
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("court_name", sa.String(length=300), nullable=False),
        sa.Column("case_signature", sa.String(length=100), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    sa.Index(
        "ix_court_opinions_case_id", metadata.tables["court_opinions"].c["case_id"], unique=False
    )
    sa.Index(
        "ix_court_opinions_district", metadata.tables["court_opinions"].c["district"], unique=False
    )


def upgrade() -> None:
    adopt(kernel_0001.tables, tables)


def downgrade() -> None:
    nothing_to_undo()
