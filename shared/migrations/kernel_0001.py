"""The kernel's tables as the last release before migrations created them (event store, outbox,
relay lease, inbox, family keys, idempotency keys, snapshots, audit log). Frozen: a later change
of a kernel table is a new revision in every service's history, never an edit here."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql


def tables(metadata: sa.MetaData) -> None:
    """Adds the tables (and their indexes) to `metadata`, as they were at this revision."""
    sa.Table(
        "audit_log",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("writes", sa.Boolean(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("resource", sa.String(length=40), nullable=True),
        sa.Column("resource_id", sa.Uuid(), nullable=True),
        sa.Column("district", sa.String(length=7), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    sa.Index("ix_audit_log_family_id", metadata.tables["audit_log"].c["family_id"], unique=False)
    sa.Index("ix_audit_log_subject", metadata.tables["audit_log"].c["subject"], unique=False)
    sa.Table(
        "events",
        metadata,
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("stream_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("aggregate_type", sa.String(length=40), nullable=False),
        sa.Column("aggregate_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("district", sa.String(length=7), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=False),
        sa.Column("causation_id", sa.String(length=100), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("position"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )
    sa.Index("ix_events_family_id", metadata.tables["events"].c["family_id"], unique=False)
    sa.Table(
        "family_keys",
        metadata,
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("family_id"),
    )
    sa.Table(
        "idempotency_keys",
        metadata,
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("actor", "key"),
    )
    sa.Index(
        "ix_idempotency_keys_family_id",
        metadata.tables["idempotency_keys"].c["family_id"],
        unique=False,
    )
    sa.Table(
        "inbox_parked",
        metadata,
        sa.Column("consumer", sa.String(length=60), nullable=False),
        sa.Column("stream_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "envelope",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer", "stream_id", "version"),
    )
    sa.Table(
        "inbox_tracking",
        metadata,
        sa.Column("consumer", sa.String(length=60), nullable=False),
        sa.Column("stream_id", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Uuid(), nullable=True),
        sa.Column("has_parked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "stream_id"),
    )
    sa.Table(
        "outbox",
        metadata,
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    sa.Table(
        "relay_lease",
        metadata,
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    sa.Table(
        "snapshots",
        metadata,
        sa.Column("stream_id", sa.String(length=120), nullable=False),
        sa.Column("aggregate_type", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream_id"),
    )
    sa.Index("ix_snapshots_family_id", metadata.tables["snapshots"].c["family_id"], unique=False)
