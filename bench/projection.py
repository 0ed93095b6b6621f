"""Projection apply: reporting's projector through the real consumer path, against faststream's
raw batch drain of the same stream.

The realistic mix is published once (Bus.publish, pipelined) before any clock starts. Each
measurement then reads the whole stream from the start in a consumer group of its own:

- ours: `StreamConsumer` (faststream batch subscriber, manual acks, plus its claimer) feeding
  `Inbox(engine, "reporting", project)`; timed from starting the subscribers until the inbox
  has recorded every event (polled through a separate driver connection, 20 ms apart, so the
  probe does not take a connection or, on SQLite, the write lock from the path measured);
- raw: a faststream `RedisBroker` subscriber with the same `StreamSub` (group, consumer,
  batch, max_records) and `AckPolicy.MANUAL`, whose handler only XACKs the ids and counts:
  the most faststream drains from this Redis in batches, reading, parsing and acking.

Both brokers are built by `Bus`, so they are configured alike (logger, level, codec).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from faststream import AckPolicy
from faststream.redis import StreamSub
from faststream.redis.annotations import RedisBatchStreamMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.events import EventMix
from bench.infra import REDIS_URL, require_stream, wait_until
from bench.timing import Rate, Stopwatch
from services.reporting.adapters.tables import (
    assistants_view,
    cases_view,
    metadata,
    referrals_view,
    visits_view,
)
from services.reporting.application.projector import project
from shared.eventstore import kernel_metadata
from shared.messaging.bus import Bus
from shared.messaging.consumer import StreamConsumer
from shared.messaging.inbox import Inbox
from shared.runtime.database import create_engine, create_schema

INBOX_CONSUMER = "reporting"
PUBLISH_CHUNK = 1000  # envelopes per Bus.publish pipeline while filling the stream
TIMEOUT = 120.0  # a bounded wait: a stuck consumer fails the run instead of hanging it

APPLIED_SQL = "SELECT coalesce(sum(version), 0) FROM inbox_tracking WHERE consumer = 'reporting'"

AppliedProbe = Callable[[], Awaitable[int]]


@dataclass(frozen=True)
class Database:
    """Where the projections live: a SQLAlchemy URL and a probe that opens its own driver
    connection to count applied events."""

    label: str
    url: str
    open_probe: Callable[[], Awaitable[tuple[AppliedProbe, Callable[[], Awaitable[None]]]]]


def postgresql(url: str, dsn: str) -> Database:
    async def open_probe() -> tuple[AppliedProbe, Callable[[], Awaitable[None]]]:
        conn = await asyncpg.connect(dsn)

        async def applied() -> int:
            return int(await conn.fetchval(APPLIED_SQL))

        return applied, conn.close

    return Database("PostgreSQL", url, open_probe)


def sqlite(path: str) -> Database:
    async def open_probe() -> tuple[AppliedProbe, Callable[[], Awaitable[None]]]:
        # A plain reader: in WAL mode it never blocks the writer, unlike a connection from
        # the service's engine (every transaction there begins IMMEDIATE, taking the lock).
        conn = sqlite3.connect(path, check_same_thread=False)

        async def applied() -> int:
            return int(conn.execute(APPLIED_SQL).fetchone()[0])

        async def close() -> None:
            conn.close()

        return applied, close

    return Database("SQLite", f"sqlite+aiosqlite:///{path}", open_probe)


async def publish(mix: EventMix, prefix: str, source: str) -> None:
    """Put the mix on the stream `source` stands for (not timed)."""
    bus = Bus(REDIS_URL, prefix=prefix)
    try:
        stream = bus.stream(source)
        for i in range(0, len(mix.envelopes), PUBLISH_CHUNK):
            await bus.publish(stream, mix.envelopes[i : i + PUBLISH_CHUNK])
        await require_stream(bus.redis, stream, len(mix.envelopes))
    finally:
        await bus.close()


async def ours(
    db: Database, mix: EventMix, prefix: str, *, source: str, group: str, batch: int
) -> Rate:
    engine = create_engine(db.url)
    bus = Bus(REDIS_URL, prefix=prefix)
    supervisor: asyncio.Task[None] | None = None
    try:
        await create_schema(engine, kernel_metadata, metadata)
        consumer = StreamConsumer(
            bus,
            source=source,
            group=group,
            consumer=f"{group}-1",
            inbox=Inbox(engine, INBOX_CONSUMER, project),
            batch_size=batch,
        )
        await bus.connect()
        await consumer.ensure_group()
        applied, close_probe = await db.open_probe()
        try:
            watch = Stopwatch()
            await bus.start()
            supervisor = asyncio.create_task(consumer.supervise())
            total = len(mix.envelopes)

            async def all_applied() -> bool:
                await require_stream(bus.redis, consumer.stream, total)
                return await applied() >= total

            await wait_until(all_applied, timeout=TIMEOUT, what=f"{total} events applied")
            rate = watch.rate(total)
        finally:
            await close_probe()
        await _check_projections(engine, mix)
        return rate
    finally:
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        await bus.close()
        await engine.dispose()


async def raw(mix: EventMix, prefix: str, *, source: str, group: str, batch: int) -> Rate:
    bus = Bus(REDIS_URL, prefix=prefix)
    stream = bus.stream(source)
    total = len(mix.envelopes)
    drained = asyncio.Event()
    count = 0
    finished = 0.0

    async def only_ack(msg: RedisBatchStreamMessage) -> None:
        nonlocal count, finished
        await msg.ack()
        count += len(msg.raw_message["message_ids"])
        if count >= total:
            finished = time.perf_counter()
            drained.set()

    subscriber = bus.broker.subscriber(
        stream=StreamSub(stream, group=group, consumer=f"{group}-1", batch=True, max_records=batch),
        ack_policy=AckPolicy.MANUAL,
    )
    subscriber(only_ack)
    try:
        await bus.connect()
        # From the stream's start, like ours (faststream alone would create it at `$`).
        await bus.redis.xgroup_create(stream, group, id="0")
        watch = Stopwatch()
        await bus.start()

        async def all_acked() -> bool:
            await require_stream(bus.redis, stream, total)
            return drained.is_set()

        await wait_until(all_acked, timeout=TIMEOUT, what=f"{total} events drained", interval=0.05)
        # The handler's own clock: the probe's interval does not count against faststream.
        rate = watch.rate(count, wall_end=finished)
        pending = await bus.redis.xpending(stream, group)
        if pending["pending"]:
            raise RuntimeError(f"raw drain left {pending['pending']} messages unacked")
        return rate
    finally:
        await bus.close()


async def _check_projections(engine: AsyncEngine, mix: EventMix) -> None:
    """The figure counts only if the projections hold what the mix says they should."""
    kinds = mix.by_type
    expected = {
        assistants_view.name: kinds["AssistantRegistered"],
        referrals_view.name: kinds["FamilyReferred"],
        cases_view.name: kinds["CaseOpened"],
        visits_view.name: kinds["VisitLogged"],
    }
    async with engine.connect() as conn:
        for table in (assistants_view, referrals_view, cases_view, visits_view):
            rows = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            if rows != expected[table.name]:
                raise RuntimeError(f"{table.name}: {rows} rows, expected {expected[table.name]}")
