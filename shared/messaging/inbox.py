"""The idempotent, in-order consumer side: apply each aggregate's events once, in version order.

A consumer records, per aggregate stream, the last version it applied, in the same transaction
as the effect. So:
- an event at or below that version (a redelivery, a republish after Redis lost its data) has no
  second effect;
- an event above the next version (its predecessor is with another replica, or failed and waits
  for a retry) is parked, and applied as soon as the gap closes;
- replicas touching the same aggregate serialise on its tracking row (SELECT ... FOR UPDATE, rows
  locked in sorted order so two batches cannot deadlock).

Two kinds of events are not handled, and they are not the same:
- a type this consumer is not interested in (`handles` says which it is): skipped on purpose
  and recorded as applied, so the aggregate's next events follow on;
- a type this code has never heard of (not in the shared registry, or a schema version newer
  than the registry's): held. It raises UnknownEvent, is not recorded as applied, so the
  aggregate's later events wait behind it (parked); the consumer dead-letters it with the
  error, and a replay after the consumer's upgrade applies it and the ones behind it.

Events arrive with their personal fields sealed (see sealing.py); they are opened just before
the handler runs and parked still sealed, so a consumer's database holds no personal data in
clear that a family's erasure would not reach.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import and_, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import EVENT_TYPES, Envelope, stream_id
from shared.eventstore.sql import insert_ignoring_duplicates
from shared.eventstore.tables import inbox_parked, inbox_tracking
from shared.messaging.sealing import BusKeys
from shared.runtime import tracing
from shared.runtime.database import is_disconnect
from shared.runtime.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[AsyncConnection, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncConnection, Sequence[Envelope]], Awaitable[None]]


@dataclass(frozen=True)
class SetWise:
    """A handler that applies a batch's events together (a projection writing set-wise):
    the inbox hands `apply` every event of the batch it is to apply, once, each aggregate's in
    version order (parked ones that now follow on included), inside its transaction. Called
    with one envelope, it is an ordinary handler."""

    apply: BatchHandler

    async def __call__(self, conn: AsyncConnection, envelope: Envelope) -> None:
        await self.apply(conn, [envelope])


# The tracking rows of a batch's aggregates, created if missing and locked in the order given
# (sorted: two batches cannot deadlock), with what they say, in one statement. The no-op update
# is what locks a row that exists (and waits for a replica holding it, then reads its latest
# version); a row another replica is inserting is waited for the same way.
_PG_LOCK_TRACKING = text(
    "INSERT INTO inbox_tracking (consumer, stream_id, version, has_parked) "
    "SELECT :consumer, sid, 0, false FROM unnest(CAST(:streams AS varchar[])) AS sid "
    "ON CONFLICT (consumer, stream_id) DO UPDATE SET version = inbox_tracking.version "
    "RETURNING stream_id, version, has_parked"
)
# The batch's aggregates' new versions. Every row exists (the lock statement above made and
# locked it in this transaction), so this upsert only ever updates; written as one because
# its conflict check finds each row by the primary key, while `UPDATE ... FROM unnest(...)`
# was planned as a hash join over every tracking row of the consumer (a fresh table's
# estimates): its cost grew with the number of aggregates ever seen, per batch.
_PG_RECORD_TRACKING = text(
    "INSERT INTO inbox_tracking AS t (consumer, stream_id, version, last_event_id, has_parked) "
    "SELECT :consumer, v.stream_id, v.version, v.last_event_id, v.has_parked "
    "FROM unnest(CAST(:streams AS varchar[]), CAST(:versions AS integer[]), "
    "CAST(:event_ids AS uuid[]), CAST(:parked AS boolean[])) "
    "AS v(stream_id, version, last_event_id, has_parked) "
    "ON CONFLICT (consumer, stream_id) DO UPDATE SET version = EXCLUDED.version, "
    "last_event_id = EXCLUDED.last_event_id, has_parked = EXCLUDED.has_parked"
)


class UnknownEvent(Exception):
    """An event this code cannot read: a type not in the registry, or a schema version newer
    than the registry's. Retrying will not help until the consumer is upgraded."""

    def __init__(self, envelope: Envelope) -> None:
        known = EVENT_TYPES.get(envelope.event_type)
        why = (
            "is not a type this consumer's code knows"
            if known is None
            else f"has schema version {envelope.schema_version}; this consumer's code knows up "
            f"to {known.schema_version}"
        )
        super().__init__(
            f"event {envelope.event_type} (v{envelope.schema_version}) of "
            f"{envelope.stream_id} at version {envelope.aggregate_version} {why}: held, "
            "replay it after upgrading the consumer"
        )
        self.event_type = envelope.event_type
        self.schema_version = envelope.schema_version


def is_known(envelope: Envelope) -> bool:
    """Whether this code can read the envelope's event (type and schema version)."""
    cls = EVENT_TYPES.get(envelope.event_type)
    return cls is not None and envelope.schema_version <= cls.schema_version


class Inbox:
    """Applies envelopes through `handler` for the consumer called `consumer`."""

    def __init__(
        self,
        engine: AsyncEngine,
        consumer: str,
        handler: Handler,
        *,
        on_commit: Callable[[], None] | None = None,
        handles: Collection[str] | None = None,
        keys: BusKeys | None = None,
    ) -> None:
        """`handles`: the event types this consumer is interested in (None: every type the
        registry knows goes to the handler). `keys`: opens sealed personal fields (a
        StreamConsumer gives its bus's when none is given)."""
        self.engine = engine
        self.consumer = consumer
        self.handler = handler
        # Set-wise: the batch's events go to the handler together, after the inbox's checks.
        self.set_wise = handler.apply if isinstance(handler, SetWise) else None
        self.handles = frozenset(handles) if handles is not None else None
        self.keys = keys
        # Called after a transaction commits: the handler may have stored events to publish.
        self.on_commit = on_commit or (lambda: None)

    async def process(
        self, envelopes: Sequence[Envelope], *, traces: Mapping[UUID, str | None] | None = None
    ) -> list[BaseException | None]:
        """Apply a batch; returns, per envelope, None if handled (or already handled) or the
        error that stopped it. One transaction for the batch; if it fails, one transaction per
        envelope, so one bad event does not hold back the others. `traces`: per event id, the
        trace context it travelled with (its span's parent when tracing is on)."""
        if not envelopes:
            return []
        # Keys only for the events the handler will see: the others are never opened, and a
        # batch of only those (a consumer passing over most of a stream) costs no round trip.
        keys = (
            await self.keys.keys_for(e for e in envelopes if self._wants(e))
            if self.keys is not None
            else {}
        )
        try:
            await self._in_transaction(envelopes, keys, traces)
            self.on_commit()
            return [None] * len(envelopes)
        except Exception as exc:
            if len(envelopes) == 1:
                return [exc]
        results: list[BaseException | None] = []
        for envelope in envelopes:
            try:
                await self._in_transaction([envelope], keys, traces)
                self.on_commit()
                results.append(None)
            except Exception as exc:
                results.append(exc)
        return results

    async def _in_transaction(
        self,
        envelopes: Sequence[Envelope],
        keys: dict[UUID, bytes],
        traces: Mapping[UUID, str | None] | None = None,
    ) -> None:
        """`apply` in a transaction of its own; run once more if the connection turned out to
        be one the database dropped (restarted): nothing of the first try was committed."""
        for attempt in (1, 2):
            try:
                async with self.engine.begin() as conn:
                    await self.apply(conn, envelopes, keys=keys, traces=traces)
                return
            except Exception as exc:
                if attempt == 2 or not is_disconnect(exc):
                    raise
                log.warning("inbox.reconnected", consumer=self.consumer)

    async def apply(
        self,
        conn: AsyncConnection,
        envelopes: Sequence[Envelope],
        *,
        keys: dict[UUID, bytes] | None = None,
        traces: Mapping[UUID, str | None] | None = None,
    ) -> None:
        """Apply envelopes inside the caller's transaction. Raises UnknownEvent (and applies
        nothing) if one of them is of a type or version this code does not know."""
        self._hold_unknown(envelopes)
        if keys is None and self.keys is not None:
            keys = await self.keys.keys_for(e for e in envelopes if self._wants(e))
        # Grouped by the aggregate, its stream's name written once per aggregate, not per
        # event (`stream_id` formats the id anew each time it is asked).
        by_aggregate: dict[tuple[str, UUID], list[Envelope]] = defaultdict(list)
        for envelope in envelopes:
            by_aggregate[envelope.aggregate_type, envelope.aggregate_id].append(envelope)
        by_stream = {stream_id(kind, aid): group for (kind, aid), group in by_aggregate.items()}
        streams = sorted(by_stream)
        tracked = await self._lock_tracking(conn, streams)
        changed: list[dict[str, Any]] = []
        collected: list[Envelope] | None = [] if self.set_wise is not None else None
        for sid in streams:
            last, has_parked = tracked[sid]
            start = last
            last_event_id = None
            for envelope in sorted(by_stream[sid], key=lambda e: e.aggregate_version):
                if envelope.aggregate_version <= last:
                    continue  # already applied: a redelivery or a republish
                if envelope.aggregate_version == last + 1:
                    trace = traces.get(envelope.event_id) if traces else None
                    await self._handle(conn, envelope, keys or {}, collected, trace)
                    last += 1
                    last_event_id = envelope.event_id
                else:
                    await self._park(conn, envelope)
                    has_parked = True
            if has_parked and last > start:
                last, drained_id, has_parked = await self._drain(conn, sid, last, collected)
                last_event_id = drained_id or last_event_id
            if last != start or has_parked != tracked[sid][1]:
                changed.append(
                    {
                        "b_stream": sid,
                        "b_version": last,
                        "b_last_event_id": last_event_id,
                        "b_has_parked": has_parked,
                    }
                )
        if collected:
            await self._apply_set_wise(conn, collected)
        if changed:
            await self._record(conn, changed)

    async def _apply_set_wise(self, conn: AsyncConnection, envelopes: list[Envelope]) -> None:
        if self.set_wise is not None:
            await self.set_wise(conn, envelopes)

    def _wants(self, envelope: Envelope) -> bool:
        """Whether the event goes to the handler (else it is only recorded as applied)."""
        return self.handles is None or envelope.event_type in self.handles

    def _hold_unknown(self, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            if not is_known(envelope):
                log.error(
                    "inbox.unknown_event_held",
                    consumer=self.consumer,
                    stream_id=envelope.stream_id,
                    version=envelope.aggregate_version,
                    event_type=envelope.event_type,
                    schema_version=envelope.schema_version,
                )
                raise UnknownEvent(envelope)

    async def _record(self, conn: AsyncConnection, changed: list[dict[str, Any]]) -> None:
        """Record the aggregates' new versions, in one statement."""
        if conn.dialect.name == "postgresql":
            await conn.execute(
                _PG_RECORD_TRACKING,
                {
                    "consumer": self.consumer,
                    "streams": [c["b_stream"] for c in changed],
                    "versions": [c["b_version"] for c in changed],
                    "event_ids": [c["b_last_event_id"] for c in changed],
                    "parked": [c["b_has_parked"] for c in changed],
                },
            )
        else:
            await conn.execute(
                update(inbox_tracking)
                .where(
                    and_(
                        inbox_tracking.c.consumer == self.consumer,
                        inbox_tracking.c.stream_id == bindparam("b_stream"),
                    )
                )
                .values(
                    version=bindparam("b_version"),
                    last_event_id=bindparam("b_last_event_id"),
                    has_parked=bindparam("b_has_parked"),
                ),
                changed,
            )

    async def _handle(
        self,
        conn: AsyncConnection,
        envelope: Envelope,
        keys: dict[UUID, bytes],
        collected: list[Envelope] | None,
        traceparent: str | None = None,
    ) -> None:
        if not self._wants(envelope):
            return  # not of interest to this consumer: skipped on purpose, counted as applied
        if self.keys is not None:
            envelope = self.keys.open(envelope, keys)
        if collected is not None:
            # Applied with the rest of the batch, in one write: its span (in the trace it came
            # with) marks that this consumer took it into that batch.
            with tracing.event_span(self.consumer, envelope, traceparent):
                collected.append(envelope)
            return
        with (
            tracing.event_span(self.consumer, envelope, traceparent),
            structlog.contextvars.bound_contextvars(
                correlation_id=envelope.correlation_id,
                event_id=str(envelope.event_id),
                event_type=envelope.event_type,
            ),
        ):
            await self.handler(conn, envelope)

    async def _lock_tracking(
        self, conn: AsyncConnection, streams: list[str]
    ) -> dict[str, tuple[int, bool]]:
        if conn.dialect.name == "postgresql":
            rows = await conn.execute(
                _PG_LOCK_TRACKING, {"consumer": self.consumer, "streams": streams}
            )
            return {row.stream_id: (row.version, row.has_parked) for row in rows}
        # SQLite: the transaction holds the database's write lock from its BEGIN.
        await conn.execute(
            insert_ignoring_duplicates(conn, inbox_tracking),
            [
                {"consumer": self.consumer, "stream_id": sid, "version": 0, "has_parked": False}
                for sid in streams
            ],
        )
        rows = await conn.execute(
            select(
                inbox_tracking.c.stream_id, inbox_tracking.c.version, inbox_tracking.c.has_parked
            )
            .where(
                inbox_tracking.c.consumer == self.consumer,
                inbox_tracking.c.stream_id.in_(streams),
            )
            .order_by(inbox_tracking.c.stream_id)
            .with_for_update()
        )
        return {row.stream_id: (row.version, row.has_parked) for row in rows}

    async def _park(self, conn: AsyncConnection, envelope: Envelope) -> None:
        log.info(
            "inbox.parked",
            consumer=self.consumer,
            stream_id=envelope.stream_id,
            version=envelope.aggregate_version,
        )
        await conn.execute(
            insert_ignoring_duplicates(conn, inbox_parked),
            {
                "consumer": self.consumer,
                "stream_id": envelope.stream_id,
                "version": envelope.aggregate_version,
                "envelope": envelope.model_dump(mode="json"),
            },
        )

    async def _drain(
        self, conn: AsyncConnection, sid: str, last: int, collected: list[Envelope] | None
    ) -> tuple[int, Any, bool]:
        """Apply parked events that now follow on; drop parked ones already applied."""
        last_event_id = None
        remaining = False
        parked = await self._parked_of(conn, sid)
        keys = (
            await self.keys.keys_for(
                e for _, e in parked if e.aggregate_version > last and self._wants(e)
            )
            if self.keys is not None
            else {}
        )
        for version, envelope in parked:
            if version <= last:
                continue
            if version != last + 1:
                remaining = True
                break
            await self._handle(conn, envelope, keys, collected)
            last = envelope.aggregate_version
            last_event_id = envelope.event_id
        await self._drop_parked(conn, sid, last)
        return last, last_event_id, remaining

    async def _parked_of(self, conn: AsyncConnection, sid: str) -> list[tuple[int, Envelope]]:
        """The stream's parked events, in version order."""
        rows = await conn.execute(
            select(inbox_parked.c.version, inbox_parked.c.envelope)
            .where(inbox_parked.c.consumer == self.consumer, inbox_parked.c.stream_id == sid)
            .order_by(inbox_parked.c.version)
        )
        return [(row.version, Envelope.model_validate(row.envelope)) for row in rows.all()]

    async def _drop_parked(self, conn: AsyncConnection, sid: str, last: int) -> None:
        """Forget the stream's parked events up to version `last` (applied now, or before)."""
        await conn.execute(
            delete(inbox_parked).where(
                inbox_parked.c.consumer == self.consumer,
                inbox_parked.c.stream_id == sid,
                inbox_parked.c.version <= last,
            )
        )


class OwnTracking(Inbox):
    """An inbox for a consumer whose tracking and parked rows no one else writes while it runs
    (a rebuild's shadow consumer, under the rebuild's lock), starting with none (reset). What
    those rows say is kept in memory as this inbox writes them, so `apply` reads nothing from
    the database: every statement it (and a set-wise handler) sends is a write, in the order
    the caller must send them. The caller may hand `apply` a stand-in that keeps them and send
    them later, in a transaction, while it works on the next batch (see the rebuild). If a
    transaction of those writes fails, this inbox's memory is ahead of the database: the
    caller must give up on it (and the consumer's rows) then."""

    def __init__(
        self,
        engine: AsyncEngine,
        consumer: str,
        handler: Handler,
        *,
        handles: Collection[str] | None = None,
    ) -> None:
        super().__init__(engine, consumer, handler, handles=handles)
        self._tracked: dict[str, tuple[int, bool]] = {}
        self._parked: dict[str, dict[int, Envelope]] = {}

    async def _lock_tracking(
        self,
        conn: AsyncConnection,  # noqa: ARG002  (nothing read: its rows are in memory)
        streams: list[str],
    ) -> dict[str, tuple[int, bool]]:
        # A stream without a row yet is at version 0: `_record` inserts the row.
        tracked = self._tracked
        return {sid: tracked.get(sid, (0, False)) for sid in streams}

    async def _record(self, conn: AsyncConnection, changed: list[dict[str, Any]]) -> None:
        new = [c["b_stream"] for c in changed if c["b_stream"] not in self._tracked]
        if new and conn.dialect.name != "postgresql":
            # The base's SQLite statement only updates: the rows a lock would have made first.
            await conn.execute(
                insert_ignoring_duplicates(conn, inbox_tracking),
                [{"consumer": self.consumer, "stream_id": sid, "version": 0} for sid in new],
            )
        for c in changed:
            self._tracked[c["b_stream"]] = (c["b_version"], c["b_has_parked"])
        await super()._record(conn, changed)

    async def _park(self, conn: AsyncConnection, envelope: Envelope) -> None:
        # As the stored row: one kept per version, the first (ON CONFLICT DO NOTHING).
        self._parked.setdefault(envelope.stream_id, {}).setdefault(
            envelope.aggregate_version, envelope
        )
        await super()._park(conn, envelope)

    async def _parked_of(
        self,
        conn: AsyncConnection,  # noqa: ARG002  (nothing read: they are in memory)
        sid: str,
    ) -> list[tuple[int, Envelope]]:
        return sorted(self._parked.get(sid, {}).items())

    async def _drop_parked(self, conn: AsyncConnection, sid: str, last: int) -> None:
        parked = self._parked.get(sid)
        if parked:
            for version in [v for v in parked if v <= last]:
                del parked[version]
            if not parked:
                del self._parked[sid]
        await super()._drop_parked(conn, sid, last)


async def reset_consumer(conn: AsyncConnection, consumer: str) -> None:
    """Forget a consumer's progress (before rebuilding its effects from scratch)."""
    await conn.execute(delete(inbox_tracking).where(inbox_tracking.c.consumer == consumer))
    await conn.execute(delete(inbox_parked).where(inbox_parked.c.consumer == consumer))
