"""The outbox keeps the trace context its events were stored in (a W3C traceparent, when
tracing is on), so the relay publishes each event inside the request's trace.

Revision ID: 0002
Revises: 0001
Created: 2026-12-05 16:55:59.406085
"""

from __future__ import annotations

import sqlalchemy as sa

from shared.migrations.kernel_columns import add_kernel_column, drop_kernel_column

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    add_kernel_column("outbox", sa.Column("traceparent", sa.String(length=100), nullable=True))


def downgrade() -> None:
    drop_kernel_column("outbox", "traceparent")
