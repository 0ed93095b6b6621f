"""The reporting service's schema as the last release before migrations created it: the kernel's
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
        "assistants_view",
        metadata,
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("employment_form", sa.String(length=40), nullable=False),
        sa.Column("works_since", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.PrimaryKeyConstraint("assistant_id"),
    )
    sa.Index(
        "ix_assistants_view_district",
        metadata.tables["assistants_view"].c["district"],
        unique=False,
    )
    sa.Table(
        "caseload_cases_view",
        metadata,
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("assistant_id", "case_id"),
    )
    sa.Table(
        "caseloads_view",
        metadata,
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("family_limit", sa.Integer(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("assistant_id"),
    )
    sa.Index(
        "ix_caseloads_view_district", metadata.tables["caseloads_view"].c["district"], unique=False
    )
    sa.Table(
        "cases_view",
        metadata,
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("obligatory", sa.Boolean(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assistant_id", sa.Uuid(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("assigned_on", sa.Date(), nullable=True),
        sa.Column("work_started_on", sa.Date(), nullable=True),
        sa.Column("next_assessment_due", sa.Date(), nullable=True),
        sa.Column("plan_version", sa.Integer(), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=40), nullable=True),
        sa.Column("children_placed", sa.Integer(), nullable=True),
        sa.Column("monitoring_until", sa.Date(), nullable=True),
        sa.Column("family_initials", sa.String(length=12), nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("assistant_since", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("case_id"),
    )
    sa.Index(
        "ix_cases_view_assistant_id", metadata.tables["cases_view"].c["assistant_id"], unique=False
    )
    sa.Index("ix_cases_view_district", metadata.tables["cases_view"].c["district"], unique=False)
    sa.Index("ix_cases_view_family_id", metadata.tables["cases_view"].c["family_id"], unique=False)
    sa.Table(
        "court_opinions_view",
        metadata,
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    sa.Index(
        "ix_court_opinions_view_case_id",
        metadata.tables["court_opinions_view"].c["case_id"],
        unique=False,
    )
    sa.Index(
        "ix_court_opinions_view_district",
        metadata.tables["court_opinions_view"].c["district"],
        unique=False,
    )
    sa.Table(
        "digest_messages",
        metadata,
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("message_id"),
        sa.UniqueConstraint("person", "day", name="uq_digest_messages_person_day"),
    )
    sa.Table(
        "digest_sent",
        metadata,
        sa.Column("person", sa.String(length=80), nullable=False),
        sa.Column("item_key", sa.String(length=200), nullable=False),
        sa.Column("notice", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("person", "item_key", "notice"),
    )
    sa.Table(
        "referrals_view",
        metadata,
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("family_initials", sa.String(length=12), nullable=True),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    sa.Index(
        "ix_referrals_view_district", metadata.tables["referrals_view"].c["district"], unique=False
    )
    sa.Index(
        "ix_referrals_view_family_id",
        metadata.tables["referrals_view"].c["family_id"],
        unique=False,
    )
    sa.Table(
        "visits_view",
        metadata,
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("assistant_id", sa.Uuid(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("visit_id"),
    )
    sa.Index("ix_visits_view_case_id", metadata.tables["visits_view"].c["case_id"], unique=False)
    sa.Index("ix_visits_view_district", metadata.tables["visits_view"].c["district"], unique=False)


def upgrade() -> None:
    adopt(kernel_0001.tables, tables)


def downgrade() -> None:
    nothing_to_undo()
