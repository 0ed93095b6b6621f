"""The referrals service's schema as the last release before migrations created it: the kernel's
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
        "case_members",
        metadata,
        sa.Column("pesel_digest", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("pesel_digest", "case_id"),
    )
    sa.Table(
        "notifications",
        metadata,
        sa.Column("sender_key", sa.String(length=400), nullable=False),
        sa.Column("notification_id", sa.Uuid(), nullable=False),
        sa.Column("sender", sa.String(length=300), nullable=False),
        sa.Column("sender_subject", sa.String(length=200), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body_digest", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_key"),
        sa.UniqueConstraint("notification_id"),
    )
    sa.Table(
        "open_referral_members",
        metadata,
        sa.Column("pesel_digest", sa.String(length=64), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("pesel_digest"),
    )
    sa.Index(
        "ix_open_referral_members_referral_id",
        metadata.tables["open_referral_members"].c["referral_id"],
        unique=False,
    )
    sa.Table(
        "referrals",
        metadata,
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("sender_reference", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("interviewed_on", sa.Date(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("linked_to_referral_id", sa.Uuid(), nullable=True),
        sa.Column("linked_to_case_id", sa.Uuid(), nullable=True),
        sa.Column("linked_referrals", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("family", sa.Text(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("surname_digests", sa.Text(), nullable=True),
        sa.Column("pesel_digests", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("referral_id"),
    )
    sa.Index("ix_referrals_district", metadata.tables["referrals"].c["district"], unique=False)
    sa.Index("ix_referrals_family_id", metadata.tables["referrals"].c["family_id"], unique=False)


def upgrade() -> None:
    adopt(kernel_0001.tables, tables)


def downgrade() -> None:
    nothing_to_undo()
