"""Consuming from Redis Streams with faststream, on PostgreSQL and a real Redis: duplicates,
crashed consumers, poison messages and a Redis that lost everything."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import Envelope
from shared.eventstore import Aggregate, EventMetadata, EventStore
from shared.messaging.bus import Bus
from shared.messaging.dead_letters import list_dead_letters, replay
from shared.messaging.relay import OutboxRelay
from shared.runtime.database import create_engine
from tests.integration.conftest import StartConsumer, publish
from tests.integration.kit import effect_rows, envelope, record_effect
from tests.integration.test_event_store_contract import registered
from tests.waiting import eventually

pytestmark = pytest.mark.integration


async def test_the_same_event_delivered_twice_gives_one_effect(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    await start_consumer()
    agg = uuid.uuid4()
    first, second = envelope(agg, 1, "A"), envelope(agg, 2, "B")
    await publish(publisher, first, first, second, first, second)

    async def settled() -> bool:
        pending = await publisher.redis.xpending(publisher.stream("referrals"), "reporting")
        return len(await effect_rows(engine)) >= 2 and pending["pending"] == 0

    await eventually(settled)
    assert [r[1:] for r in await effect_rows(engine)] == [(1, "A"), (2, "B")]


async def test_a_message_a_dead_consumer_read_is_taken_over_after_the_idle_time(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    stream = publisher.stream("referrals")
    await publisher.redis.xgroup_create(stream, "reporting", id="0", mkstream=True)
    await publish(publisher, envelope(uuid.uuid4(), 1, "Orphan"))
    # A replica reads the message and dies before acknowledging it.
    read = await publisher.redis.xreadgroup("reporting", "crashed-replica", {stream: ">"}, count=10)
    assert len(read[0][1]) == 1
    await start_consumer("replica-b", claim_idle_ms=500)
    await eventually(lambda: effect_rows(engine), what="the orphaned message to be processed")
    assert [r[2] for r in await effect_rows(engine)] == ["Orphan"]
    pending = await publisher.redis.xpending(stream, "reporting")
    assert pending["pending"] == 0


async def test_a_message_that_always_fails_is_dead_lettered_and_the_rest_flow(
    engine: AsyncEngine,
    start_consumer: StartConsumer,
    publisher: Bus,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    consumer = await start_consumer(claim_idle_ms=300, max_deliveries=3)
    poison = envelope(uuid.uuid4(), 1, "POISON")
    await publish(publisher, poison, envelope(uuid.uuid4(), 1, "Next"))
    await eventually(lambda: effect_rows(engine), what="the next message to pass")
    for i in range(5):
        await publish(publisher, envelope(uuid.uuid4(), 1, f"Later{i}"))
    dead = await eventually(
        lambda: publisher.redis.xrange(consumer.dead_letters),
        what="the poison message in the dead-letter stream",
    )
    ((_, fields),) = dead
    assert fields[b"deliveries"] == b"4"  # tried 3 times, then moved
    assert b"this event always fails" in fields[b"error"]
    assert b"POISON" in fields[b"__data__"]
    assert len(await effect_rows(engine)) == 6
    pending = await publisher.redis.xpending(publisher.stream("referrals"), "reporting")
    assert pending["pending"] == 0

    # The operator lists it, fixes the cause, and replays it: it is applied once.
    (letter,) = await list_dead_letters(publisher.redis, publisher.prefix)
    assert letter.summary()["event_id"] == str(poison.event_id)
    assert letter.summary()["version"] == 1
    monkeypatch.setattr("tests.integration.kit.POISON_NAME", "nothing is poison any more")
    (outcome,) = await replay(publisher.redis, [letter], prefix=publisher.prefix)
    assert outcome.outcome == "applied", outcome
    await eventually(lambda: _has_effect_named(engine, "POISON"), what="the replayed message")
    assert await list_dead_letters(publisher.redis, publisher.prefix) == []


async def _has_effect_named(engine: AsyncEngine, name: str) -> bool:
    return any(row[2] == name for row in await effect_rows(engine))


async def test_after_flushall_the_group_is_recreated_and_the_projection_ends_exact(
    engine: AsyncEngine,
    pg_url: str,
    start_consumer: StartConsumer,
    redis_url: str,
    stream_prefix: str,
) -> None:
    """Redis restarted empty: the relay publishes the history again from the event store, the
    consumer recreates its group, and every event has exactly one effect."""
    producer_engine = create_engine(pg_url)  # the producing service's store (same db here)
    store = EventStore()
    bus = Bus(redis_url, prefix=stream_prefix)
    relay = OutboxRelay(producer_engine, bus, service="referrals", marker_check_interval=0.1)
    relay_task = asyncio.create_task(relay.run())
    consumer = await start_consumer()
    aggregates = [uuid.uuid4() for _ in range(5)]

    async def append_round(version: int) -> None:
        for agg in aggregates:
            async with producer_engine.begin() as conn:
                await store.append(
                    conn,
                    Aggregate("assistant", agg, "1465068"),
                    version,
                    [registered(f"V{version + 1}")],
                    EventMetadata(actor="t", correlation_id="c"),
                )
        relay.wake()

    async def effects_count_is(n: int) -> bool:
        return len(await effect_rows(engine)) == n

    try:
        await append_round(0)
        await eventually(lambda: effects_count_is(5))
        await bus.redis.flushall()
        await append_round(1)
        await eventually(lambda: effects_count_is(10), what="events after the flush")
        assert consumer.reader.running
        groups = await bus.redis.xinfo_groups(bus.stream("referrals"))
        assert [g["name"] for g in groups] == [b"reporting"]
    finally:
        relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay_task
        await bus.close()
        await producer_engine.dispose()
    rows = await effect_rows(engine)
    for agg in aggregates:
        assert [r[1:] for r in rows if r[0] == f"assistant-{agg}"] == [(1, "V1"), (2, "V2")]


async def test_a_batch_being_applied_when_the_consumer_stops_is_applied_and_acknowledged(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    # The reader hands each batch to a task and reads on; stopping must not cut that batch's
    # transaction short nor leave it unacknowledged.
    consumer = await start_consumer()
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(conn: AsyncConnection, envelope: Envelope) -> None:
        entered.set()
        await release.wait()
        await record_effect(conn, envelope)

    consumer.inbox.handler = slow
    await publish(publisher, envelope(uuid.uuid4(), 1, "InFlight"))
    await asyncio.wait_for(entered.wait(), timeout=10)
    stopping = asyncio.create_task(consumer.stop())

    async def reader_stopped() -> bool:
        return not consumer.reader.running

    await eventually(reader_stopped, what="the reader to stop")
    assert not stopping.done()  # waiting for the batch in flight
    release.set()
    await asyncio.wait_for(stopping, timeout=10)
    assert [r[2] for r in await effect_rows(engine)] == ["InFlight"]
    pending = await publisher.redis.xpending(publisher.stream("referrals"), "reporting")
    assert pending["pending"] == 0
