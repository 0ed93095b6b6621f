"""Redis as deployed (AOF, fsync every second) and Redis without persistence: killed (SIGKILL)
under load and restarted, neither loses an event the store accepted, and none is applied
twice. The event store is the archive; what Redis loses, the relay publishes again."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.eventstore import Aggregate, EventMetadata, EventStore
from shared.messaging.bus import Bus
from shared.messaging.consumer import StreamConsumer
from shared.messaging.inbox import Inbox
from shared.messaging.relay import OutboxRelay
from suite.embedded_redis import EmbeddedRedis
from tests.integration.kit import effect_rows, record_effect
from tests.integration.test_event_store_contract import registered
from tests.waiting import eventually

pytestmark = pytest.mark.integration

AGGREGATES = 10
ROUNDS = 30  # events per aggregate: 300 accepted in all


@pytest.mark.parametrize("persistent", [True, False], ids=["aof-everysec", "no-persistence"])
async def test_redis_killed_under_load_loses_no_accepted_event(
    engine: AsyncEngine, tmp_path: Path, persistent: bool
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", persistent=persistent)
    server.start()
    prefix = "p:"
    producer_bus = Bus(server.url, prefix=prefix)
    relay = OutboxRelay(
        engine, producer_bus, service="referrals", poll_interval=0.05, marker_check_interval=0.1
    )
    consumer_bus = Bus(server.url, prefix=prefix)
    consumer = StreamConsumer(
        consumer_bus,
        source="referrals",
        group="reporting",
        consumer="r1",
        inbox=Inbox(engine, "reporting", record_effect),
        claim_idle_ms=500,
        supervise_interval=0.2,
    )
    await consumer_bus.connect()
    await consumer.ensure_group()
    await consumer_bus.start()
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.supervise())]
    store = EventStore()
    aggregates = [uuid.uuid4() for _ in range(AGGREGATES)]

    async def applied_some() -> bool:
        return bool(await effect_rows(engine))

    try:
        # Each append awaits the database, so the relay and the consumer run between them.
        for round_ in range(ROUNDS):
            for agg in aggregates:
                async with engine.begin() as conn:  # committed: the command is accepted
                    await store.append(
                        conn,
                        Aggregate("assistant", agg, "1465068"),
                        round_,
                        [registered(f"R{round_ + 1}")],
                        EventMetadata(actor="t", correlation_id="c"),
                    )
                relay.wake()
            if round_ == ROUNDS // 2:
                # Mid-load, once some entries were published and applied, the latest pending
                # or unread.
                await eventually(applied_some, what="the first events applied")
                server.kill()
                server.start()

        expected = {
            (f"assistant-{agg}", v, f"R{v}") for agg in aggregates for v in range(1, ROUNDS + 1)
        }

        async def complete() -> bool:
            return set(await effect_rows(engine)) == expected

        await eventually(complete, timeout=60, what="every accepted event applied")
        assert len(await effect_rows(engine)) == len(expected)  # none twice
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await producer_bus.close()
        await consumer_bus.close()
        server.stop()
