"""The idempotent, in-order consumer side, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.eventstore import kernel_metadata
from shared.messaging.inbox import Inbox
from shared.runtime.database import create_engine, create_schema
from tests.integration.kit import effect_rows, effects_metadata, envelope, record_effect

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    await create_schema(engine, kernel_metadata, effects_metadata)
    yield engine
    await engine.dispose()


async def test_the_same_event_delivered_twice_has_one_effect(engine: AsyncEngine) -> None:
    inbox = Inbox(engine, "reporting", record_effect)
    first = envelope(uuid.uuid4(), 1)
    assert await inbox.process([first]) == [None]
    assert await inbox.process([first]) == [None]
    assert await inbox.process([first, first]) == [None, None]
    assert len(await effect_rows(engine)) == 1


async def test_events_arriving_out_of_order_are_applied_in_version_order(
    engine: AsyncEngine,
) -> None:
    inbox = Inbox(engine, "reporting", record_effect)
    agg = uuid.uuid4()
    v1, v2, v3, v4 = (envelope(agg, v, f"N{v}") for v in (1, 2, 3, 4))
    await inbox.process([v3])
    await inbox.process([v2, v4])
    assert await effect_rows(engine) == []  # all parked: version 1 has not arrived
    await inbox.process([v1])
    assert [r[1] for r in await effect_rows(engine)] == [1, 2, 3, 4]
    await inbox.process([v2, v3])  # late redeliveries
    assert len(await effect_rows(engine)) == 4


async def test_one_failing_event_does_not_hold_back_the_others(engine: AsyncEngine) -> None:
    inbox = Inbox(engine, "reporting", record_effect)
    good, bad, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    batch = [envelope(good, 1), envelope(bad, 1, "POISON"), envelope(bad, 2), envelope(other, 1)]
    results = await inbox.process(batch)
    assert [r is None for r in results] == [True, False, True, True]
    rows = await effect_rows(engine)
    assert {r[0] for r in rows} == {f"assistant-{good}", f"assistant-{other}"}
    # The failed event's successor is parked, not lost: it follows once the gap closes.
    fixed = envelope(bad, 1, "Fixed")
    fixed = fixed.model_copy(update={"event_id": batch[1].event_id})
    await inbox.process([fixed])
    assert [r[1:] for r in await effect_rows(engine) if r[0] == f"assistant-{bad}"] == [
        (1, "Fixed"),
        (2, "Ewa"),
    ]


async def test_replicas_interleaving_one_aggregate_apply_it_in_order(engine: AsyncEngine) -> None:
    """Two inboxes (two replicas of one consumer) receive one aggregate's events split
    between them, at the same time; the effects still come in version order, once each."""
    replica_a = Inbox(engine, "reporting", record_effect)
    replica_b = Inbox(engine, "reporting", record_effect)
    aggregates = [uuid.uuid4() for _ in range(5)]
    batches_a, batches_b = [], []
    for agg in aggregates:
        events = [envelope(agg, v, f"N{v}") for v in range(1, 11)]
        batches_a.append(events[1::2])
        batches_b.append(events[0::2])
    await asyncio.gather(
        *(replica_a.process(b) for b in batches_a), *(replica_b.process(b) for b in batches_b)
    )
    rows = await effect_rows(engine)
    for agg in aggregates:
        assert [r[1] for r in rows if r[0] == f"assistant-{agg}"] == list(range(1, 11))
