"""The idempotent, in-order consumer side, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.eventstore import kernel_metadata
from shared.eventstore.tables import inbox_parked, inbox_tracking
from shared.messaging.inbox import Inbox, OwnTracking
from shared.runtime.database import create_engine, create_schema
from tests.integration.kit import effect_rows, effects, effects_metadata, envelope, record_effect

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


async def test_an_inbox_owning_its_tracking_applies_and_records_as_the_inbox_does(
    engine: AsyncEngine,
) -> None:
    """OwnTracking (a rebuild's shadow consumer) keeps what its tracking and parked rows say in
    memory and only writes them: the same effects, in the same order, and the same rows, as
    the inbox that reads them back, through gaps, parking, draining and redeliveries."""
    agg, other = uuid.uuid4(), uuid.uuid4()
    a = [envelope(agg, v, f"A{v}") for v in (1, 2, 3, 4, 5)]
    o = [envelope(other, v, f"O{v}") for v in (1, 2)]
    batches = [[a[2]], [a[1], a[3], o[0]], [a[0], o[1], a[4]], [a[1], a[2], o[0]], [a[4]]]
    found = {}
    for consumer, kind in (("reading", Inbox), ("owning", OwnTracking)):
        inbox = kind(engine, consumer, record_effect)
        effects_seen = []
        for batch in batches:
            async with engine.begin() as conn:
                await inbox.apply(conn, batch)
            effects_seen.append(await effect_rows(engine))
        async with engine.begin() as conn:
            tracking = await conn.execute(
                select(
                    inbox_tracking.c.stream_id,
                    inbox_tracking.c.version,
                    inbox_tracking.c.last_event_id,
                    inbox_tracking.c.has_parked,
                )
                .where(inbox_tracking.c.consumer == consumer)
                .order_by(inbox_tracking.c.stream_id)
            )
            parked = await conn.execute(
                select(func.count()).where(inbox_parked.c.consumer == consumer)
            )
            found[consumer] = (effects_seen, tracking.all(), parked.scalar_one())
            await conn.execute(delete(effects))
    assert found["owning"] == found["reading"]
    effects_seen, tracking, parked = found["owning"]
    for stream, names in ((f"assistant-{agg}", "A"), (f"assistant-{other}", "O")):
        applied = [row[1:] for row in effects_seen[-1] if row[0] == stream]
        assert applied == [(v, f"{names}{v}") for v in range(1, len(applied) + 1)]
    assert {row.stream_id: (row.version, row.has_parked) for row in tracking} == {
        f"assistant-{agg}": (5, False),
        f"assistant-{other}": (2, False),
    }
    assert parked == 0
