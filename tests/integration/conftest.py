"""Fixtures of the messaging tests: a database with a table of effects, consumers of the
referrals stream on a real Redis, and a publisher."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Collection

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import Envelope
from shared.eventstore import kernel_metadata
from shared.messaging.bus import Bus
from shared.messaging.consumer import StreamConsumer
from shared.messaging.inbox import Inbox
from shared.runtime.database import create_engine, create_schema
from tests.integration.kit import effects_metadata, record_effect

StartConsumer = Callable[..., Awaitable[StreamConsumer]]


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url)
    await create_schema(engine, kernel_metadata, effects_metadata)
    yield engine
    await engine.dispose()


@pytest.fixture
async def start_consumer(
    engine: AsyncEngine, redis_url: str, stream_prefix: str
) -> AsyncIterator[StartConsumer]:
    started: list[tuple[Bus, asyncio.Task[None]]] = []

    async def start(
        name: str = "replica-a",
        *,
        group: str = "reporting",
        handles: Collection[str] | None = None,
        **options: object,
    ) -> StreamConsumer:
        bus = Bus(redis_url, prefix=stream_prefix)
        consumer = StreamConsumer(
            bus,
            source="referrals",
            group=group,
            consumer=name,
            inbox=Inbox(engine, group, record_effect, handles=handles),
            supervise_interval=0.2,
            **options,
        )  # type: ignore[arg-type]
        await bus.connect()
        await consumer.ensure_group()
        await bus.start()
        started.append((bus, asyncio.create_task(consumer.supervise())))
        return consumer

    yield start
    for bus, task in started:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bus.close()


@pytest.fixture
async def publisher(redis_url: str, stream_prefix: str) -> AsyncIterator[Bus]:
    bus = Bus(redis_url, prefix=stream_prefix)
    yield bus
    await bus.close()


async def publish(bus: Bus, *envelopes: Envelope) -> None:
    await bus.publish(bus.stream("referrals"), envelopes)
