"""The outbox relay on PostgreSQL and a real Redis: in order, nothing lost, history restored."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Envelope
from shared.eventstore import Aggregate, EventMetadata, EventStore, kernel_metadata
from shared.eventstore.tables import outbox
from shared.messaging.bus import Bus
from shared.messaging.relay import OutboxRelay
from shared.messaging.streams import relay_marker_key
from shared.runtime.database import create_engine, create_schema
from tests.integration.test_event_store_contract import registered
from tests.waiting import eventually

pytestmark = pytest.mark.integration

META = EventMetadata(actor="test", correlation_id="c")


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """SQLite and PostgreSQL; the kill test below runs on PostgreSQL only."""
    engine = create_engine(db_url)
    await create_schema(engine, kernel_metadata)
    yield engine
    await engine.dispose()


@pytest.fixture
async def bus(redis_url: str, stream_prefix: str) -> AsyncIterator[Bus]:
    bus = Bus(redis_url, prefix=stream_prefix)
    yield bus
    await bus.close()


async def stream_envelopes(bus: Bus, stream: str) -> list[Envelope]:
    entries = await bus.redis.xrange(stream)
    return [
        Envelope.model_validate_json(bus.broker.message_format.parse(fields[b"__data__"])[0])
        for _, fields in entries
    ]


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


async def append_history(engine: AsyncEngine, aggregates: int, rounds: int) -> list[Envelope]:
    store = EventStore()
    ids = [uuid.uuid4() for _ in range(aggregates)]
    stored: list[Envelope] = []
    for round_ in range(rounds):
        for agg in ids:
            async with engine.begin() as conn:
                stored += await store.append(
                    conn, Aggregate("assistant", agg, "1465068"), round_, [registered()], META
                )
    return stored


def assert_complete_and_in_order(published: list[Envelope], stored: list[Envelope]) -> None:
    assert {e.event_id for e in published} == {e.event_id for e in stored}
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen: set[uuid.UUID] = set()
    for envelope in published:
        if envelope.event_id not in seen:
            seen.add(envelope.event_id)
            first_seen[envelope.stream_id].append(envelope.aggregate_version)
    for versions in first_seen.values():
        assert versions == list(range(1, len(versions) + 1))


async def test_the_relay_publishes_the_outbox_in_order_and_empties_it(
    engine: AsyncEngine, bus: Bus
) -> None:
    stored = await append_history(engine, aggregates=4, rounds=5)
    relay = OutboxRelay(engine, bus, service="referrals", batch_size=7)
    while await relay.publish_pending():
        pass
    published = await stream_envelopes(bus, bus.stream("referrals"))
    assert [e.event_id for e in published] == [e.event_id for e in stored]
    assert await outbox_size(engine) == 0


async def test_a_crash_between_publish_and_delete_republishes_and_loses_nothing(
    engine: AsyncEngine, bus: Bus, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = await append_history(engine, aggregates=3, rounds=3)
    relay = OutboxRelay(engine, bus, service="referrals", batch_size=4)

    class Crash(Exception):
        pass

    async def crash(_ids: list[int]) -> None:
        raise Crash  # the process dies after Redis accepted the batch, before the delete

    monkeypatch.setattr(relay, "_forget", crash)
    with pytest.raises(Crash):
        await relay.publish_pending()
    restarted = OutboxRelay(engine, bus, service="referrals", batch_size=4)
    while await restarted.publish_pending():
        pass
    published = await stream_envelopes(bus, bus.stream("referrals"))
    assert len(published) == len(stored) + 4  # the first batch twice
    assert_complete_and_in_order(published, stored)


async def test_a_relay_killed_at_random_points_and_restarted_loses_nothing(
    pg_url: str, bus: Bus, redis_url: str, stream_prefix: str
) -> None:
    """A writer appends while relay processes are SIGKILLed at random moments."""
    engine = create_engine(pg_url)
    await create_schema(engine, kernel_metadata)
    rng = random.Random(20261123)
    writer = asyncio.create_task(append_history(engine, aggregates=12, rounds=40))

    def start_relay() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.relay_process",
                pg_url,
                stream_prefix,
                redis_url,
            ],
            stdout=subprocess.DEVNULL,
        )

    stream = bus.stream("referrals")
    kills = 0
    while not writer.done() or kills < 6:
        before = await bus.redis.xlen(stream)
        target = before + rng.randint(1, 12)
        relay = start_relay()

        # Killed once it has published a random number more (the kill lands anywhere in its
        # loop), or once nothing is left to publish.
        await eventually(
            lambda target=target: _published_or_drained(bus, stream, target, engine),
            timeout=60,
            what="the relay to publish before its kill",
        )
        relay.kill()
        relay.wait()
        kills += 1
    stored = await writer
    final = start_relay()
    try:
        await eventually(lambda: _outbox_empty(engine), timeout=60, what="the outbox to drain")
    finally:
        final.kill()
        final.wait()
        await engine.dispose()
    published = await stream_envelopes(bus, bus.stream("referrals"))
    assert kills >= 6
    assert_complete_and_in_order(published, stored)


async def _published_or_drained(bus: Bus, stream: str, target: int, engine: AsyncEngine) -> bool:
    return await bus.redis.xlen(stream) >= target or await _outbox_empty(engine)


async def _outbox_empty(engine: AsyncEngine) -> bool:
    return await outbox_size(engine) == 0


async def test_when_redis_loses_its_data_the_relay_publishes_the_history_again(
    engine: AsyncEngine, bus: Bus
) -> None:
    stored = await append_history(engine, aggregates=3, rounds=2)
    relay = OutboxRelay(engine, bus, service="referrals", marker_check_interval=0.0)
    task = asyncio.create_task(relay.run())
    stream = bus.stream("referrals")
    try:
        await eventually(lambda: _stream_length_is(bus, stream, len(stored)))
        await bus.redis.delete(stream, *[k async for k in bus.redis.scan_iter(f"{bus.prefix}*")])
        await eventually(
            lambda: _stream_length_is(bus, stream, len(stored)),
            what="the history to be published again",
        )
    finally:
        task.cancel()
    published = await stream_envelopes(bus, stream)
    assert [e.event_id for e in published] == [e.event_id for e in stored]


async def _stream_length_is(bus: Bus, stream: str, length: int) -> bool:
    return int(await bus.redis.xlen(stream)) == length


async def test_only_one_relay_of_a_service_publishes_at_a_time(
    engine: AsyncEngine, bus: Bus
) -> None:
    first = OutboxRelay(engine, bus, service="referrals", lease_seconds=30)
    second = OutboxRelay(engine, bus, service="referrals", lease_seconds=30)
    assert await first._hold_lease()
    assert not await second._hold_lease()
    await first.release()
    assert await second._hold_lease()


async def test_the_relay_trims_only_what_every_consuming_service_acknowledged(
    engine: AsyncEngine, bus: Bus
) -> None:
    await append_history(engine, aggregates=5, rounds=2)
    relay = OutboxRelay(engine, bus, service="referrals")
    while await relay.publish_pending():
        pass
    stream = bus.stream("referrals")
    await bus.redis.xgroup_create(stream, "reporting", id="0")
    read = await bus.redis.xreadgroup("reporting", "r1", {stream: ">"}, count=100)
    await bus.redis.xack(stream, "reporting", *[i for i, _ in read[0][1]])
    # casework has no group yet: it must still find the whole history.
    assert await relay.trim_acknowledged() == 0
    await bus.redis.xgroup_create(stream, "casework", id="0")
    first_six = await bus.redis.xreadgroup("casework", "c1", {stream: ">"}, count=6)
    ids = [i for i, _ in first_six[0][1]]
    await bus.redis.xack(stream, "casework", *ids[:4])  # 2 read but not acknowledged
    assert await relay.trim_acknowledged() == 4
    assert await bus.redis.xlen(stream) == 6
    remaining = [i for i, _ in await bus.redis.xrange(stream)]
    assert remaining[0] == ids[4]


async def test_a_redis_that_came_back_without_its_last_writes_gets_the_history_again(
    engine: AsyncEngine, bus: Bus
) -> None:
    """An AOF fsynced every second (or a replica promoted) can come back without the last
    entries Redis acknowledged, while the relay's marker, older, survived: the stream's last
    id went back, and the relay publishes the history again."""
    stored = await append_history(engine, aggregates=3, rounds=2)
    relay = OutboxRelay(engine, bus, service="referrals", marker_check_interval=0.0)
    task = asyncio.create_task(relay.run())
    stream = bus.stream("referrals")
    try:
        await eventually(lambda: _stream_length_is(bus, stream, len(stored)))
        entries = await bus.redis.xrange(stream)
        # What a Redis restarted from a late AOF holds: the first entry only, marker intact.
        await bus.redis.delete(stream)
        first_id, first_fields = entries[0]
        await bus.redis.xadd(stream, first_fields, id=first_id)
        assert await bus.redis.exists(relay_marker_key(bus.prefix, "referrals"))
        await eventually(
            lambda: _stream_length_is(bus, stream, 1 + len(stored)),
            what="the history to be published again",
        )
    finally:
        task.cancel()
    published = await stream_envelopes(bus, stream)
    assert {e.event_id for e in published} == {e.event_id for e in stored}


async def test_a_configured_group_missing_from_redis_holds_trimming_back(
    engine: AsyncEngine, bus: Bus
) -> None:
    """A second reporting deployment whose workers were stopped when Redis lost its data has
    no group in Redis: the relay knows it from configuration and keeps the history for it."""
    stored = await append_history(engine, aggregates=2, rounds=2)
    relay = OutboxRelay(
        engine, bus, service="referrals", extra_groups={"reporting": ("reporting-late",)}
    )
    while await relay.publish_pending():
        pass
    stream = bus.stream("referrals")

    async def read_and_ack_all(group: str) -> None:
        await bus.redis.xgroup_create(stream, group, id="0")
        read = await bus.redis.xreadgroup(group, "c", {stream: ">"}, count=100)
        await bus.redis.xack(stream, group, *[i for i, _ in read[0][1]])

    await read_and_ack_all("reporting")
    await read_and_ack_all("casework")
    assert await relay.trim_acknowledged() == 0
    await read_and_ack_all("reporting-late")
    assert await relay.trim_acknowledged() == len(stored)


async def test_the_lease_holder_publishes_another_process_s_commits_without_waiting_to_poll(
    pg_url: str, bus: Bus
) -> None:
    """Two processes of a service, each with its engine and relay: B commits and wakes its own
    relay, which does not hold the lease; A (the holder) publishes B's events long before its
    poll would find them (its poll interval here: a minute), told by B's NOTIFY."""
    engine_a, engine_b = create_engine(pg_url), create_engine(pg_url)
    await create_schema(engine_a, kernel_metadata)
    holder = OutboxRelay(engine_a, bus, service="referrals", poll_interval=60.0)
    other = OutboxRelay(engine_b, bus, service="referrals", poll_interval=60.0)
    assert await holder._hold_lease()
    tasks = [asyncio.create_task(holder.run()), asyncio.create_task(other.run())]
    stream = bus.stream("referrals")
    store = EventStore()
    try:
        await eventually(lambda: _listening(engine_a, holder.channel), what="the holder's LISTEN")
        for round_ in range(3):
            async with engine_b.begin() as conn:
                await store.append(
                    conn, Aggregate("assistant", uuid.uuid4(), "1465068"), 0, [registered()], META
                )
            other.wake()
            await eventually(
                lambda n=round_ + 1: _stream_length_is(bus, stream, n),
                timeout=10.0,
                what="the holder to publish the other process's event",
            )
        assert await outbox_size(engine_a) == 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await holder.release()
        await engine_a.dispose()
        await engine_b.dispose()


async def _listening(engine: AsyncEngine, channel: str) -> bool:
    """Whether a session of this database has sent LISTEN on `channel` (its last statement)."""
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query ILIKE 'LISTEN %'"
                " AND position(:channel in query) > 0"
            ),
            {"channel": channel},
        )
        return bool(found.scalar_one())
