"""Event append: `EventStore.append` against a bare asyncpg INSERT, one event per transaction.

Ours is what a command does after deciding (the unit of work): `engine.begin()`, then
`append` on a store with a keyring, as `ServiceRuntime` builds it, for a case of a family
(take the family's key, from memory if it was read lately, encrypt the personal fields, insert
the event and its outbox row in one statement that the unique key and the expected version
guard), commit. The
raw side is one prepared single-row INSERT into the same `events` table, autocommitted: one
round trip and one commit per event, the most this PostgreSQL can take one event at a time.
Both write a VisitLogged, the commonest event, with the same payload, each into a fresh
database of its own; the two sides alternate in rounds after a short warm-up.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from uuid import UUID

import asyncpg

from bench.infra import PgDatabase, fresh_pg_database
from bench.timing import Operation, Rate, run_for
from shared.events import VisitLogged, VisitPlace, VisitTopic
from shared.eventstore import Aggregate, EventMetadata, EventStore, kernel_metadata
from shared.eventstore.crypto import Keyring
from shared.runtime.database import create_engine, create_schema
from shared.runtime.settings import DEVELOPMENT_DATA_KEY

DISTRICT = "1465068"
AGGREGATES_PER_WRITER = 25  # each writer appends round-robin to its own cases
WARM_UP_SECONDS = 0.5  # connections opened, statements prepared and cached

EVENT = VisitLogged(
    visit_id=UUID(int=1, version=4),
    assistant_id=UUID(int=2, version=4),
    visited_on=date(2026, 3, 2),
    duration_minutes=60,
    place=VisitPlace.HOME,
    present=("matka", "dzieci"),
    topics=(VisitTopic.BUDGET, VisitTopic.SCHOOL),
    note="Omówiono budżet domowy i plan zajęć dzieci na kolejny tydzień.",
)
METADATA = EventMetadata(actor="user:asystent-bench", correlation_id="bench-append")

RAW_INSERT = """
INSERT INTO events (event_id, stream_id, version, event_type, schema_version, aggregate_type,
    aggregate_id, district, occurred_at, recorded_at, actor, correlation_id, causation_id,
    payload)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
"""


class Cases:
    """One writer's cases (a family each) and their current versions, appended to in turn."""

    def __init__(self) -> None:
        self.ids = [uuid.uuid4() for _ in range(AGGREGATES_PER_WRITER)]
        self.families = {case_id: uuid.uuid4() for case_id in self.ids}
        self.versions = dict.fromkeys(self.ids, 0)
        self.turn = 0

    def next(self) -> tuple[UUID, int]:
        """The next case and its version before this append."""
        case_id = self.ids[self.turn % len(self.ids)]
        self.turn += 1
        version = self.versions[case_id]
        self.versions[case_id] = version + 1
        return case_id, version

    def aggregate(self, case_id: UUID) -> Aggregate:
        return Aggregate("case", case_id, DISTRICT, self.families[case_id])


Writers = Callable[[], list[Operation]]


async def compare(writers: int, seconds: float, rounds: int) -> tuple[list[Rate], list[Rate]]:
    """Our rates and the raw rates, in alternating rounds of `seconds` each."""
    async with _ours(writers) as ours, _raw(writers) as raw:
        await run_for(ours(), WARM_UP_SECONDS)
        await run_for(raw(), WARM_UP_SECONDS)
        ours_runs, raw_runs = [], []
        for _ in range(rounds):
            ours_runs.append(await run_for(ours(), seconds))
            raw_runs.append(await run_for(raw(), seconds))
    return ours_runs, raw_runs


@contextlib.asynccontextmanager
async def _ours(writers: int) -> AsyncIterator[Writers]:
    """`writers` loops appending through our engine, in a database of their own."""
    async with fresh_pg_database() as db:
        engine = create_engine(db.url)
        try:
            await create_schema(engine, kernel_metadata)
            store = service_store()

            def writer() -> Operation:
                cases = Cases()

                async def append_one() -> None:
                    case_id, version = cases.next()
                    async with engine.begin() as conn:
                        await store.append(
                            conn, cases.aggregate(case_id), version, [EVENT], METADATA
                        )

                return append_one

            yield lambda: [writer() for _ in range(writers)]
        finally:
            await engine.dispose()


@contextlib.asynccontextmanager
async def _raw(writers: int) -> AsyncIterator[Writers]:
    """`writers` loops inserting on a connection each, in a database of their own."""
    async with fresh_pg_database() as db:
        await _create_tables(db)
        connections = [await asyncpg.connect(db.dsn) for _ in range(writers)]
        payload = json.dumps(EVENT.model_dump(mode="json"))
        try:

            def writer(conn: asyncpg.Connection) -> Operation:
                cases = Cases()

                async def insert_one() -> None:
                    case_id, version = cases.next()
                    now = datetime.now(UTC)
                    await conn.execute(
                        RAW_INSERT,
                        uuid.uuid4(),
                        f"case-{case_id}",
                        version + 1,
                        EVENT.event_type,
                        EVENT.schema_version,
                        "case",
                        case_id,
                        DISTRICT,
                        now,
                        now,
                        METADATA.actor,
                        METADATA.correlation_id,
                        None,
                        payload,
                    )

                return insert_one

            yield lambda: [writer(conn) for conn in connections]
        finally:
            for conn in connections:
                await conn.close()


def service_store() -> EventStore:
    """An event store as `ServiceRuntime` builds one: with a keyring (the development master
    key; the key's value does not change the work)."""
    return EventStore(keyring=Keyring(DEVELOPMENT_DATA_KEY.encode()))


async def _create_tables(db: PgDatabase) -> None:
    """The same DDL as ours (indexes and constraints included), so only the path differs."""
    engine = create_engine(db.url)
    try:
        await create_schema(engine, kernel_metadata)
    finally:
        await engine.dispose()
