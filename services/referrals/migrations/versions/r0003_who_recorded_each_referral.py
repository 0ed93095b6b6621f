"""Who recorded each referral (its first event's actor), for the social worker's "moje
zgłoszenia"; filled for the referrals already stored from their events.

Revision ID: 0003
Revises: 0002
Created: 2026-12-05 17:29:11.902658
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("referred_by", sa.String(length=200), nullable=True))
        batch.create_index("ix_referrals_referred_by", ["referred_by"], unique=False)
    # The referrals already stored: their recorder is the actor of their stream's first event
    # (computed here in Python: the stream id's text differs from the stored id by dialect).
    bind = op.get_bind()
    referrals = sa.table("referrals", sa.column("referral_id", sa.Uuid), sa.column("referred_by"))
    events = sa.table(
        "events",
        sa.column("stream_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("actor", sa.String),
    )
    actors = dict(
        bind.execute(
            sa.select(events.c.stream_id, events.c.actor).where(
                events.c.version == 1, events.c.stream_id.like("referral-%")
            )
        ).all()
    )
    rows = [
        {"b_id": row.referral_id, "b_actor": actors[f"referral-{row.referral_id}"]}
        for row in bind.execute(sa.select(referrals.c.referral_id))
        if f"referral-{row.referral_id}" in actors
    ]
    if rows:
        bind.execute(
            referrals.update()
            .where(referrals.c.referral_id == sa.bindparam("b_id"))
            .values(referred_by=sa.bindparam("b_actor")),
            rows,
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_index("ix_referrals_referred_by")
        batch.drop_column("referred_by")
