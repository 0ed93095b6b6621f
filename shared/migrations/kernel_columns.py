"""Changes of the kernel's tables (event store, outbox, inbox), which every service's history
makes. Several services may share one database (one city's small deployment, some tests): the
first history to run makes the change, the others find it made."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def _has_column(table: str, column: str) -> bool:
    inspector = sa.inspect(op.get_bind())
    return any(c["name"] == column for c in inspector.get_columns(table))


def add_kernel_column(table: str, column: sa.Column[object]) -> None:
    """Add a nullable column to a kernel table unless another service's history has."""
    if not _has_column(table, column.name):
        # Nullable: SQLite and PostgreSQL add it in place, existing rows get NULL.
        op.add_column(table, column)


def drop_kernel_column(table: str, column: str) -> None:
    if _has_column(table, column):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
