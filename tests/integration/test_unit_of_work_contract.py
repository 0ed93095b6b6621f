"""The unit of work's contract, run against the in-memory fake and the SQL unit of work on
SQLite and PostgreSQL: what a handler may rely on, whichever it is given."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.domain.aggregate import AggregateType
from shared.domain.clock import Clock
from shared.domain.errors import ConcurrentChange, NotFound
from shared.events import CaseAddedToCaseload, CaseloadOpened, DomainEvent, Envelope
from shared.eventstore import ConcurrencyConflict, EventMetadata, EventStore, kernel_metadata
from shared.eventstore.runner import CommandRunner, Idempotency, IdempotencyKeyConflict
from shared.eventstore.tables import events
from shared.eventstore.unit_of_work import UnitOfWork, UnitOfWorkFactory
from shared.runtime.database import create_engine, create_schema
from shared.testing import FakeUnitOfWork
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration

DISTRICT = "1465188"


@dataclass(frozen=True)
class Tally:
    district: str = ""
    cases: tuple[UUID, ...] = ()


def evolve(state: Tally, event: DomainEvent) -> Tally:
    match event:
        case CaseloadOpened():
            return replace(state, district=event.district)
        case CaseAddedToCaseload():
            return replace(state, cases=(*state.cases, event.case_id))
    raise TypeError(event)


TALLY = AggregateType[Tally](
    name="tally",
    initial=Tally,
    evolve=evolve,
    district=lambda s: s.district,
    entity="assistant",
    exists=lambda s: bool(s.district),
)

read_model = MetaData()
tally_view = Table(
    "tally_view",
    read_model,
    Column("tally_id", Uuid, primary_key=True),
    Column("cases", Integer, nullable=False),
)


async def project_tally(
    conn: AsyncConnection, tally_id: UUID, state: Tally, _: list[Envelope]
) -> None:
    await conn.execute(tally_view.delete().where(tally_view.c.tally_id == tally_id))
    await conn.execute(insert(tally_view).values(tally_id=tally_id, cases=len(state.cases)))


@dataclass(frozen=True)
class AddCase:
    tally_id: UUID
    case_id: UUID


async def add_case(cmd: AddCase, uow: UnitOfWork, clock: Clock) -> int:
    async with uow:
        tally = await uow.get(TALLY, cmd.tally_id)
        if len(tally.cases) >= 2:
            raise ValueError("full")
        after = uow.add(TALLY, cmd.tally_id, [CaseAddedToCaseload(case_id=cmd.case_id)])
    return len(after.cases)


META = EventMetadata(actor="head:1", correlation_id="c-1")
Factory = Callable[[EventMetadata], UnitOfWork]


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
async def uow_factory(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Factory]:
    if request.param == "fake":
        yield FakeUnitOfWork()
        return
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/uow.db"
        engine = create_engine(url)
    else:
        name = await create_pg_database()
        engine = create_engine(f"{PG_HOST_URL}/{name}")
    await create_schema(engine, kernel_metadata, read_model)
    yield UnitOfWorkFactory(engine, EventStore(), projections={"tally": [project_tally]})
    await engine.dispose()
    if request.param == "postgresql":
        await drop_pg_database(name)


async def opened(factory: Factory) -> UUID:
    tally_id = uuid.uuid4()
    async with factory(META) as uow:
        uow.add(TALLY, tally_id, [CaseloadOpened(district=DISTRICT)])
    return tally_id


async def test_events_added_in_a_unit_of_work_are_there_in_the_next(uow_factory: Factory) -> None:
    tally_id = await opened(uow_factory)
    case_id = uuid.uuid4()
    async with uow_factory(META) as uow:
        await uow.get(TALLY, tally_id)
        uow.add(TALLY, tally_id, [CaseAddedToCaseload(case_id=case_id)])
    assert [e.aggregate_version for e in uow.stored] == [2]
    assert uow.stored[0].district == DISTRICT
    async with uow_factory(META) as again:
        assert (await again.get(TALLY, tally_id)).cases == (case_id,)


async def test_an_exception_stores_nothing(uow_factory: Factory) -> None:
    tally_id = await opened(uow_factory)
    with pytest.raises(RuntimeError):
        async with uow_factory(META) as uow:
            uow.add(TALLY, tally_id, [CaseAddedToCaseload(case_id=uuid.uuid4())])
            raise RuntimeError("refused")
    async with uow_factory(META) as again:
        assert (await again.get(TALLY, tally_id)).cases == ()


async def test_a_missing_aggregate_is_not_found_and_find_gives_the_empty_state(
    uow_factory: Factory,
) -> None:
    async with uow_factory(META) as uow:
        with pytest.raises(NotFound):
            await uow.get(TALLY, uuid.uuid4())
        assert await uow.find(TALLY, uuid.uuid4()) == Tally()


async def test_two_aggregates_change_together_or_not_at_all(uow_factory: Factory) -> None:
    first, second = await opened(uow_factory), await opened(uow_factory)
    # `second` is appended to as if it were new (expected version 0) although it exists: the
    # conflict on it keeps the first aggregate's events out too.
    with pytest.raises(ConcurrencyConflict):
        async with uow_factory(META) as uow:
            await uow.get(TALLY, first)
            uow.add(TALLY, first, [CaseAddedToCaseload(case_id=uuid.uuid4())])
            uow.add(TALLY, second, [CaseAddedToCaseload(case_id=uuid.uuid4())])
    async with uow_factory(META) as check:
        assert (await check.get(TALLY, first)).cases == ()
        assert (await check.get(TALLY, second)).cases == ()


async def test_the_runner_decides_again_on_the_latest_state_after_a_conflict(
    uow_factory: Factory,
) -> None:
    tally_id = await opened(uow_factory)
    runner = CommandRunner(uow_factory, clock=FakeUnitOfWork().log.clock)
    results = await asyncio.gather(
        *(runner.run(add_case, AddCase(tally_id, uuid.uuid4()), META) for _ in range(4)),
        return_exceptions=True,
    )
    # The rule (at most two) holds whatever the interleaving: two succeed, two are refused.
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2]
    assert all(
        isinstance(r, (ValueError, ConcurrentChange)) for r in results if not isinstance(r, int)
    )


async def test_an_idempotency_key_answers_the_first_result_and_stores_once(
    uow_factory: Factory,
) -> None:
    tally_id = await opened(uow_factory)
    runner = CommandRunner(uow_factory, clock=FakeUnitOfWork().log.clock)
    command = AddCase(tally_id, uuid.uuid4())
    key = Idempotency.of("k-1", "POST /tallies", repr(command))
    first = await runner.run(add_case, command, META, idempotency=key)
    again = await runner.run(add_case, command, META, idempotency=key)
    assert first == again == 1
    async with uow_factory(META) as check:
        assert (await check.get(TALLY, tally_id)).cases == (command.case_id,)
    with pytest.raises(IdempotencyKeyConflict):
        different = AddCase(tally_id, uuid.uuid4())
        await runner.run(
            add_case, different, META, idempotency=Idempotency.of("k-1", repr(different))
        )
    # Another caller's key is another key.
    other = EventMetadata(actor="head:2", correlation_id="c-2")
    assert await runner.run(add_case, command, other, idempotency=key) == 2


@dataclass(frozen=True)
class OpenTally:
    district: str


async def open_tally(cmd: OpenTally, uow: UnitOfWork, clock: Clock) -> UUID:
    """A command that creates an aggregate under a new id: two tries append nothing in
    common, so only the idempotency record tells them apart."""
    tally_id = uuid.uuid4()
    async with uow:
        uow.add(TALLY, tally_id, [CaseloadOpened(district=cmd.district)])
    return tally_id


async def test_one_idempotency_key_sent_at_the_same_time_stores_once_and_answers_alike(
    uow_factory: Factory,
) -> None:
    runner = CommandRunner(uow_factory, clock=FakeUnitOfWork().log.clock)
    command = OpenTally(DISTRICT)
    key = Idempotency.of("k-same-time", "POST /tallies", repr(command))
    answers = await asyncio.gather(
        *(runner.run(open_tally, command, META, idempotency=key) for _ in range(4))
    )
    assert len(set(answers)) == 1
    async with uow_factory(META) as check:
        assert (await check.get(TALLY, answers[0])).district == DISTRICT
    if isinstance(uow_factory, UnitOfWorkFactory):
        async with uow_factory.engine.connect() as conn:
            opened_streams = await conn.execute(
                select(func.count()).select_from(events).where(events.c.aggregate_type == "tally")
            )
            assert opened_streams.scalar_one() == 1


async def test_inline_projections_run_in_the_same_transaction(db_url: str) -> None:
    engine = create_engine(db_url)
    await create_schema(engine, kernel_metadata, read_model)
    factory = UnitOfWorkFactory(engine, EventStore(), projections={"tally": [project_tally]})
    try:
        tally_id = await opened(factory)
        async with factory(META) as uow:
            await uow.get(TALLY, tally_id)
            uow.add(TALLY, tally_id, [CaseAddedToCaseload(case_id=uuid.uuid4())])
        async with engine.connect() as conn:
            cases = (
                await conn.execute(
                    select(tally_view.c.cases).where(tally_view.c.tally_id == tally_id)
                )
            ).scalar_one()
        assert cases == 1
    finally:
        await engine.dispose()
