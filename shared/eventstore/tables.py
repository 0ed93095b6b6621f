"""The kernel's tables, present in every service's own database."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

kernel_metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY.
Position = BigInteger().with_variant(Integer(), "sqlite")
Payload = JSON().with_variant(JSONB(), "postgresql")

events = Table(
    "events",
    kernel_metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("stream_id", String(120), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("aggregate_type", String(40), nullable=False),
    Column("aggregate_id", Uuid, nullable=False),
    Column("family_id", Uuid, nullable=True, index=True),
    Column("district", String(7), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("correlation_id", String(100), nullable=False),
    Column("causation_id", String(100), nullable=True),
    Column("payload", Payload, nullable=False),
    # Optimistic concurrency: two writers of the same version of a stream cannot both commit.
    UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
)

outbox = Table(
    "outbox",
    kernel_metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    # The W3C trace context the event was stored in, when tracing is on: the relay publishes the
    # event inside that trace (shared/runtime/tracing.py). None for a requeued history.
    Column("traceparent", String(100), nullable=True),
)

relay_lease = Table(
    "relay_lease",
    kernel_metadata,
    Column("name", String(60), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# A consumer's progress per aggregate: the last version applied, recorded in the same
# transaction as the effect. Redelivered or republished events at or below it have no effect.
inbox_tracking = Table(
    "inbox_tracking",
    kernel_metadata,
    Column("consumer", String(60), primary_key=True),
    Column("stream_id", String(120), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("last_event_id", Uuid, nullable=True),
    Column("has_parked", Boolean, nullable=False, default=False),
)

# Events that arrived before an earlier version of their aggregate (another replica holds it,
# or it failed and waits for a retry): parked here and applied, in order, when the gap closes.
inbox_parked = Table(
    "inbox_parked",
    kernel_metadata,
    Column("consumer", String(60), primary_key=True),
    Column("stream_id", String(120), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("envelope", Payload, nullable=False),
)

# A key per family whose personal data this service stores; destroyed on erasure.
family_keys = Table(
    "family_keys",
    kernel_metadata,
    Column("family_id", Uuid, primary_key=True),
    Column("wrapped_key", LargeBinary, nullable=True),  # None once erased
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
)

# What a command answered, by the caller's Idempotency-Key: written in the command's own
# transaction, so a retry after a lost answer gets the same answer and never a second effect.
# `family_id` lets an erasure remove answers that may hold the family's data.
idempotency_keys = Table(
    "idempotency_keys",
    kernel_metadata,
    Column("actor", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("result", Payload, nullable=True),
    Column("family_id", Uuid, nullable=True, index=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# An aggregate's state as of a version, so a command folds only the events after it (see
# shared.eventstore.snapshots). A cache: deleting every row loses nothing but speed. `state` is
# the state's JSON, encrypted whole with the family's key when the aggregate is a family's.
snapshots = Table(
    "snapshots",
    kernel_metadata,
    Column("stream_id", String(120), primary_key=True),
    Column("aggregate_type", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("family_id", Uuid, nullable=True, index=True),
    Column("encrypted", Boolean, nullable=False),
    Column("state", LargeBinary, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False),
)
