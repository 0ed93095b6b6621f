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
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import EVENT_TYPES, Envelope
from shared.eventstore.sql import insert_ignoring_duplicates
from shared.eventstore.tables import inbox_parked, inbox_tracking
from shared.messaging.sealing import BusKeys
from shared.runtime import tracing
from shared.runtime.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[AsyncConnection, Envelope], Awaitable[None]]


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
        trace context it travelled with (tracing on: its span joins that trace)."""
        if not envelopes:
            return []
        keys = await self.keys.keys_for(envelopes) if self.keys is not None else {}
        try:
            async with self.engine.begin() as conn:
                await self.apply(conn, envelopes, keys=keys, traces=traces)
            self.on_commit()
            return [None] * len(envelopes)
        except Exception as exc:
            if len(envelopes) == 1:
                return [exc]
        results: list[BaseException | None] = []
        for envelope in envelopes:
            try:
                async with self.engine.begin() as conn:
                    await self.apply(conn, [envelope], keys=keys, traces=traces)
                self.on_commit()
                results.append(None)
            except Exception as exc:
                results.append(exc)
        return results

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
        if keys is None and self.keys is not None:
            keys = await self.keys.keys_for(envelopes)
        by_stream: dict[str, list[Envelope]] = defaultdict(list)
        for envelope in envelopes:
            by_stream[envelope.stream_id].append(envelope)
        streams = sorted(by_stream)
        tracked = await self._lock_tracking(conn, streams)
        changed: list[dict[str, Any]] = []
        for sid in streams:
            last, has_parked = tracked[sid]
            start = last
            last_event_id = None
            for envelope in sorted(by_stream[sid], key=lambda e: e.aggregate_version):
                if envelope.aggregate_version <= last:
                    continue  # already applied: a redelivery or a republish
                if envelope.aggregate_version == last + 1:
                    trace = traces.get(envelope.event_id) if traces else None
                    await self._handle(conn, envelope, keys or {}, trace)
                    last += 1
                    last_event_id = envelope.event_id
                else:
                    await self._park(conn, envelope)
                    has_parked = True
            if has_parked and last > start:
                last, drained_id, has_parked = await self._drain(conn, sid, last)
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
        if changed:
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
        traceparent: str | None = None,
    ) -> None:
        if self.handles is not None and envelope.event_type not in self.handles:
            return  # not of interest to this consumer: skipped on purpose, counted as applied
        if self.keys is not None:
            envelope = self.keys.open(envelope, keys)
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

    async def _drain(self, conn: AsyncConnection, sid: str, last: int) -> tuple[int, Any, bool]:
        """Apply parked events that now follow on; drop parked ones already applied."""
        where = and_(inbox_parked.c.consumer == self.consumer, inbox_parked.c.stream_id == sid)
        rows = await conn.execute(
            select(inbox_parked.c.version, inbox_parked.c.envelope)
            .where(where)
            .order_by(inbox_parked.c.version)
        )
        last_event_id = None
        remaining = False
        parked = [(row.version, Envelope.model_validate(row.envelope)) for row in rows.all()]
        keys = (
            await self.keys.keys_for(e for _, e in parked if e.aggregate_version > last)
            if self.keys is not None
            else {}
        )
        for version, envelope in parked:
            if version <= last:
                continue
            if version != last + 1:
                remaining = True
                break
            await self._handle(conn, envelope, keys)
            last = envelope.aggregate_version
            last_event_id = envelope.event_id
        await conn.execute(delete(inbox_parked).where(where, inbox_parked.c.version <= last))
        return last, last_event_id, remaining


async def reset_consumer(conn: AsyncConnection, consumer: str) -> None:
    """Forget a consumer's progress (before rebuilding its effects from scratch)."""
    await conn.execute(delete(inbox_tracking).where(inbox_tracking.c.consumer == consumer))
    await conn.execute(delete(inbox_parked).where(inbox_parked.c.consumer == consumer))
