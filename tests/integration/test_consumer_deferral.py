"""Reads a consumer only passes over (events of types it does not handle) wait a moment to be
recorded together, in one transaction and one XACK: on PostgreSQL and a real Redis, with the
guarantees of every other read (acks after the commit, order per aggregate, dead letters,
several replicas, a crash)."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import AssistantRegistered, Envelope
from shared.messaging.bus import Bus
from shared.messaging.consumer import StreamConsumer
from tests.integration.conftest import StartConsumer, publish
from tests.integration.kit import effect_rows, envelope
from tests.integration.test_bus_faults import NEW_TYPE, tracked_version
from tests.waiting import eventually

pytestmark = pytest.mark.integration

HANDLES = {AssistantRegistered.event_type}
PASSED_OVER = "VisitLogged"  # a type the registry knows and these consumers do not handle
# Reads passed over wait longer than any test runs: only a handled event, a full batch or a
# stop hands them over.
WAIT_LONG: dict[str, Any] = {"claim_idle_ms": 3_600_000, "defer_ms": 1_800_000}


def passed_over(aggregate_id: uuid.UUID, version: int, *, schema_version: int = 1) -> Envelope:
    return envelope(aggregate_id, version, f"P{version}").model_copy(
        update={"event_type": PASSED_OVER, "schema_version": schema_version}
    )


@pytest.fixture
def commits(engine: AsyncEngine) -> Iterator[list[object]]:
    """The transactions committed on the test's engine from here on (the inbox's)."""
    seen: list[object] = []

    def on_commit(conn: object) -> None:
        seen.append(conn)

    event.listen(engine.sync_engine, "commit", on_commit)
    yield seen
    event.remove(engine.sync_engine, "commit", on_commit)


async def _waiting_is(consumer: StreamConsumer, n: int) -> bool:
    return consumer.waiting == n


async def _pending_is(bus: Bus, n: int) -> bool:
    summary = await bus.redis.xpending(bus.stream("referrals"), "reporting")
    return int(summary["pending"]) == n


async def _tracked_is(engine: AsyncEngine, sid: str, version: int) -> bool:
    return await tracked_version(engine, "reporting", sid) == version


async def test_reads_passed_over_go_in_one_transaction_with_the_next_handled_event(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus, commits: list[object]
) -> None:
    consumer = await start_consumer(handles=HANDLES, **WAIT_LONG)
    agg = uuid.uuid4()
    sid = f"assistant-{agg}"
    for version in range(1, 5):
        await publish(publisher, passed_over(agg, version))
        # Read before the next is published: four reads.
        await eventually(partial(_waiting_is, consumer, version), what=f"read {version}")
    assert commits == []
    assert await tracked_version(engine, "reporting", sid) is None
    assert await _pending_is(publisher, 4)  # read, not acknowledged: nothing is recorded yet

    await publish(publisher, envelope(agg, 5, "Handled"))
    # Applied at once (the waiting reads' timer would take half an hour), after the four
    # before it: had they not been recorded first, it would be parked behind the gap.
    await eventually(lambda: effect_rows(engine), timeout=30, what="the handled event")
    assert await effect_rows(engine) == [(sid, 5, "Handled")]
    assert await tracked_version(engine, "reporting", sid) == 5
    await eventually(lambda: _pending_is(publisher, 0), timeout=30, what="one ack for all")
    assert len(commits) == 1
    assert consumer.waiting == 0


async def test_reads_passed_over_are_recorded_and_acknowledged_after_a_short_wait(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    await start_consumer(handles=HANDLES, defer_ms=200)
    agg = uuid.uuid4()
    await publish(publisher, *(passed_over(agg, v) for v in (1, 2, 3)))
    await eventually(lambda: _tracked_is(engine, f"assistant-{agg}", 3), what="the record")
    await eventually(lambda: _pending_is(publisher, 0), what="the acks")
    assert await effect_rows(engine) == []


async def test_stopping_records_and_acknowledges_the_reads_that_wait(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    consumer = await start_consumer(handles=HANDLES, **WAIT_LONG)
    agg = uuid.uuid4()
    await publish(publisher, passed_over(agg, 1), passed_over(agg, 2))
    await eventually(lambda: _waiting_is(consumer, 2), what="both to wait")
    await consumer.stop()
    assert await tracked_version(engine, "reporting", f"assistant-{agg}") == 2
    assert await _pending_is(publisher, 0)


async def test_a_consumer_killed_while_reads_wait_loses_nothing_and_doubles_nothing(
    engine: AsyncEngine,
    pg_url: str,
    start_consumer: StartConsumer,
    publisher: Bus,
    redis_url: str,
    stream_prefix: str,
) -> None:
    stream = publisher.stream("referrals")
    await publisher.redis.xgroup_create(stream, "reporting", id="0", mkstream=True)
    agg = uuid.uuid4()
    sid = f"assistant-{agg}"
    await publish(publisher, passed_over(agg, 1))
    await publish(publisher, passed_over(agg, 2), passed_over(agg, 3))
    crashing = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.consumer_process",
        pg_url,
        stream_prefix,
        redis_url,
        "replica-a",
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        await eventually(lambda: _pending_is(publisher, 3), what="replica-a to read all three")
    finally:
        crashing.kill()  # SIGKILL: nothing of its shutdown runs
        await crashing.wait()
    assert await tracked_version(engine, "reporting", sid) is None  # read, never recorded

    # Another replica takes the dead one's reads over once idle, and the events after them
    # follow on: each applied once, in order.
    await start_consumer("replica-b", handles=HANDLES, claim_idle_ms=300)
    await publish(publisher, envelope(agg, 4, "After"))
    await eventually(lambda: _tracked_is(engine, sid, 4), what="the dead replica's reads")
    await eventually(lambda: _pending_is(publisher, 0), what="every read acknowledged")
    assert await effect_rows(engine) == [(sid, 4, "After")]


async def test_an_event_this_code_cannot_read_is_dead_lettered_at_once_not_passed_over(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    consumer = await start_consumer(handles=HANDLES, **WAIT_LONG)
    waiting, unknown_type, newer_version = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def dead_letters_are(n: int) -> bool:
        return await publisher.redis.xlen(consumer.dead_letters) == n

    await publish(publisher, passed_over(waiting, 1))
    await eventually(lambda: _waiting_is(consumer, 1), what="the read to wait")
    await publish(publisher, envelope(unknown_type, 1).model_copy(update={"event_type": NEW_TYPE}))
    await eventually(lambda: dead_letters_are(1), timeout=30, what="the unknown type")

    await publish(publisher, passed_over(waiting, 2))
    await eventually(lambda: _waiting_is(consumer, 1), what="the next read to wait")
    # A newer schema version of a type the consumer passes over: unknown as well.
    await publish(publisher, passed_over(newer_version, 1, schema_version=99))
    await eventually(lambda: dead_letters_are(2), timeout=30, what="the newer version")

    # The reads waiting before each went with it, recorded; the unknown ones are not.
    assert await tracked_version(engine, "reporting", f"assistant-{waiting}") == 2
    for held in (unknown_type, newer_version):
        assert await tracked_version(engine, "reporting", f"assistant-{held}") in (None, 0)
    await eventually(lambda: _pending_is(publisher, 0), what="every read acknowledged")


async def test_replicas_sharing_aggregates_apply_each_handled_event_once_in_order(
    engine: AsyncEngine, start_consumer: StartConsumer, publisher: Bus
) -> None:
    """Two replicas of one group read in turn; an aggregate's handled event may reach one
    while the events before it wait in the other's reads: parked, then applied in order."""
    await start_consumer("replica-a", handles=HANDLES)
    await start_consumer("replica-b", handles=HANDLES)
    aggregates = [uuid.uuid4() for _ in range(6)]
    stream = publisher.stream("referrals")

    def handled(i: int, version: int) -> bool:
        return (version + i) % 3 == 0

    async def read_up_to(n: int) -> bool:
        (group,) = await publisher.redis.xinfo_groups(stream)
        return int(group["entries-read"] or 0) >= n

    for version in range(1, 7):
        await publish(
            publisher,
            *(
                envelope(agg, version, f"V{version}")
                if handled(i, version)
                else passed_over(agg, version)
                for i, agg in enumerate(aggregates)
            ),
        )
        # Each round read before the next is published: the replicas take turns.
        await eventually(partial(read_up_to, 6 * version), what=f"round {version} read")

    expected = {
        f"assistant-{agg}": [(v, f"V{v}") for v in range(1, 7) if handled(i, v)]
        for i, agg in enumerate(aggregates)
    }

    async def all_applied() -> bool:
        rows = await effect_rows(engine)
        got = {sid: [(v, n) for s, v, n in rows if s == sid] for sid in expected}
        return got == expected and len(rows) == sum(map(len, expected.values()))

    await eventually(all_applied, what="every handled event once, in order")
    for sid in expected:
        await eventually(partial(_tracked_is, engine, sid, 6), what=f"{sid} recorded")
    await eventually(lambda: _pending_is(publisher, 0), what="every read acknowledged")
