"""The event store's contract, run against SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import TypeAdapter
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.events import (
    AssistantRegistered,
    DomainEvent,
    Envelope,
    VisitLogged,
    VisitPlace,
    VisitTopic,
)
from shared.events.personal import ERASED
from shared.eventstore import Aggregate, ConcurrencyConflict, EventMetadata, EventStore
from shared.eventstore.crypto import Keyring
from shared.eventstore.tables import events, kernel_metadata, outbox
from shared.runtime.database import create_engine, create_schema

pytestmark = pytest.mark.integration

META = EventMetadata(actor="admin:test", correlation_id="corr-1")


def visit(note: str) -> DomainEvent:
    return VisitLogged(
        visit_id=uuid.uuid4(),
        assistant_id=uuid.uuid4(),
        visited_on=date(2026, 3, 2),
        duration_minutes=60,
        place=VisitPlace.HOME,
        present=("matka",),
        topics=(VisitTopic.BUDGET,),
        note=note,
    )


def registered(name: str = "Ewa") -> DomainEvent:
    return AssistantRegistered(
        first_name=name,
        last_name="Dąbrowska",
        district="1465188",
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    await create_schema(engine, kernel_metadata)
    yield engine
    await engine.dispose()


def an_aggregate() -> Aggregate:
    return Aggregate("assistant", uuid.uuid4(), "1465188")


async def test_appended_events_are_read_back_in_version_order(engine: AsyncEngine) -> None:
    store, aggregate = EventStore(), an_aggregate()
    async with engine.begin() as conn:
        stored = await store.append(conn, aggregate, 0, [registered("A"), registered("B")], META)
    assert [e.aggregate_version for e in stored] == [1, 2]
    async with engine.connect() as conn:
        read = await store.read_stream(conn, aggregate.stream_id)
    assert read == stored
    assert [e.event() for e in read] == [registered("A"), registered("B")]
    assert read[0].correlation_id == "corr-1"
    assert read[0].actor == "admin:test"


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    engine: AsyncEngine,
) -> None:
    store, aggregate = EventStore(), an_aggregate()
    async with engine.begin() as conn:
        await store.append(conn, aggregate, 0, [registered()], META)
    for expected in (0, 2):
        with pytest.raises(ConcurrencyConflict):
            async with engine.begin() as conn:
                await store.append(conn, aggregate, expected, [registered("X")], META)
    async with engine.connect() as conn:
        assert len(await store.read_stream(conn, aggregate.stream_id)) == 1


async def test_concurrent_writers_of_one_version_cannot_both_commit(engine: AsyncEngine) -> None:
    store, aggregate = EventStore(), an_aggregate()
    async with engine.begin() as conn:
        await store.append(conn, aggregate, 0, [registered()], META)

    everyone_has_read = asyncio.Barrier(5)

    async def writer(name: str) -> str:
        # Each writer reads the stream, then all decide on what they read: version 1.
        async with engine.begin() as conn:
            version = await store.stream_version(conn, aggregate.stream_id)
        await everyone_has_read.wait()
        try:
            async with engine.begin() as conn:
                await store.append(conn, aggregate, version, [registered(name)], META)
            return "ok"
        except ConcurrencyConflict:
            return "conflict"

    results = await asyncio.gather(*(writer(f"W{i}") for i in range(5)))
    assert sorted(results) == ["conflict"] * 4 + ["ok"]
    async with engine.connect() as conn:
        assert [
            e.aggregate_version for e in await store.read_stream(conn, aggregate.stream_id)
        ] == [1, 2]


async def test_read_all_pages_through_every_stream_in_global_order(engine: AsyncEngine) -> None:
    store = EventStore()
    aggregates = [an_aggregate() for _ in range(3)]
    appended = []
    for round_ in range(3):
        for aggregate in aggregates:
            async with engine.begin() as conn:
                appended += await store.append(conn, aggregate, round_, [registered()], META)
    async with engine.connect() as conn:
        first = await store.read_all(conn, after=0, limit=4)
        rest = await store.read_all(conn, after=first[-1][0], limit=100)
        head = await store.head_position(conn)
    positions = [p for p, _ in first + rest]
    assert positions == sorted(positions)
    assert head == positions[-1]
    assert [e.event_id for _, e in first + rest] == [e.event_id for e in appended]


async def test_every_event_gets_an_outbox_row_in_the_same_transaction(engine: AsyncEngine) -> None:
    store = EventStore()

    async def outbox_rows() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())

    async with engine.begin() as conn:
        await store.append(conn, an_aggregate(), 0, [registered(), registered()], META)
    assert await outbox_rows() == 2

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with engine.begin() as conn:
            await store.append(conn, an_aggregate(), 0, [registered()], META)
            raise Abort
    assert await outbox_rows() == 2


async def test_an_append_ahead_of_the_stream_is_a_conflict_and_writes_nothing(
    engine: AsyncEngine,
) -> None:
    store, aggregate = EventStore(), an_aggregate()
    async with engine.begin() as conn:
        await store.append(conn, aggregate, 0, [registered()], META)
    for expected in (2, 7):
        with pytest.raises(ConcurrencyConflict):
            async with engine.begin() as conn:
                await store.append(conn, aggregate, expected, [registered("X")] * 2, META)
    async with engine.connect() as conn:
        assert len(await store.read_stream(conn, aggregate.stream_id)) == 1
        assert (await conn.execute(select(func.count()).select_from(outbox))).scalar_one() == 1


async def test_a_family_s_key_held_in_memory_is_not_written_with_once_erased(
    engine: AsyncEngine,
) -> None:
    """A process keeps a family's key it read lately; another process erases the family. The
    next append refuses the key from memory (a conflict, as the stream had moved on), and the
    one after reads the key again: the family's personal fields are stored erased."""
    master = os.urandom(32)
    writer, eraser = Keyring(master), Keyring(master)
    store = EventStore(keyring=writer)
    family = uuid.uuid4()
    aggregate = Aggregate("case", uuid.uuid4(), "1465188", family)
    async with engine.begin() as conn:
        await store.append(conn, aggregate, 0, [visit("Anna")], META)
    async with engine.begin() as conn:
        await eraser.erase(conn, family, datetime.now(UTC))
    conflicts = 0
    if engine.dialect.name == "postgresql":
        with pytest.raises(ConcurrencyConflict):
            async with engine.begin() as conn:
                await store.append(conn, aggregate, 1, [visit("Beata")], META)
        conflicts = 1
    async with engine.begin() as conn:
        await store.append(conn, aggregate, 1, [visit("Beata")], META)
    async with engine.connect() as conn:
        read = await store.read_stream(conn, aggregate.stream_id)
        stored = (await conn.execute(select(events.c.payload).order_by(events.c.version))).all()
    assert [e.payload["note"] for e in read] == [ERASED, ERASED]
    assert stored[1].payload["note"] == ERASED  # never encrypted with the old key
    assert conflicts == (1 if engine.dialect.name == "postgresql" else 0)


async def test_the_feed_s_json_is_what_read_all_s_envelopes_serialize_to(
    engine: AsyncEngine,
) -> None:
    """`read_all_json` writes a page from the stored rows (the payload's text passed on, sealed
    fields opened in it): the same envelopes as `read_all`, for events of a family with its
    key, of an erased family, of none, and text that looks like a seal inside a string."""
    store = EventStore(keyring=Keyring(os.urandom(32)))
    kept, erased = uuid.uuid4(), uuid.uuid4()
    tricky = 'Zażółć "gęślą" {"$enc": "AAAA"} \\ jaźń'
    async with engine.begin() as conn:
        for family, note in ((kept, tricky), (erased, "Anna"), (kept, "Beata")):
            aggregate = Aggregate("case", uuid.uuid4(), "1465188", family)
            await store.append(conn, aggregate, 0, [visit(note), visit(note)], META)
        await store.append(conn, an_aggregate(), 0, [registered("Żaneta")], META)
    async with engine.begin() as conn:
        await store.keyring.erase(conn, erased, datetime.now(UTC))  # type: ignore[union-attr]
    envelopes = TypeAdapter(list[Envelope])
    async with engine.connect() as conn:
        expected = await store.read_all(conn, after=0, limit=100)
        if engine.dialect.name == "postgresql":
            # The instants are written in UTC whatever the session's time zone.
            await conn.execute(text("SET TIME ZONE 'Asia/Tokyo'"))
        page, last = await store.read_all_json(conn, after=0, limit=100)
        first, first_last = await store.read_all_json(conn, after=0, limit=3)
        rest, _ = await store.read_all_json(conn, after=first_last or 0, limit=100)
        empty = await store.read_all_json(conn, after=last or 0, limit=100)
    assert envelopes.validate_json(page) == [e for _, e in expected]
    assert b'"occurred_at":"' in page.replace(b" ", b"")
    assert all(e.occurred_at.utcoffset() == timedelta(0) for e in envelopes.validate_json(page))
    assert last == expected[-1][0]
    assert envelopes.validate_json(first) + envelopes.validate_json(rest) == [
        e for _, e in expected
    ]
    assert empty == (b"[]", None)
    notes = [e.payload["note"] for _, e in expected if e.event_type == "VisitLogged"]
    assert notes == [tricky, tricky, ERASED, ERASED, "Beata", "Beata"]
