"""PostgreSQL drops every connection (a restart, a failover, an administrator): the engine
checks no connection out with a ping, so the first unit of work to meet a dropped one fails,
which invalidates the pool, and it runs again on a fresh connection, nothing of the first try
committed. A command (CommandRunner) and a consumer's batch (Inbox) both go through."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.eventstore import Aggregate, EventStore, kernel_metadata
from shared.eventstore.runner import CommandRunner
from shared.eventstore.tables import events
from shared.eventstore.unit_of_work import UnitOfWorkFactory
from shared.messaging.inbox import Inbox
from shared.runtime.database import create_engine, create_schema, is_disconnect
from shared.testing import FakeUnitOfWork
from tests.conftest import PG_ADMIN_DSN
from tests.integration.kit import effect_rows, effects_metadata, envelope, record_effect
from tests.integration.test_event_store_contract import registered
from tests.integration.test_unit_of_work_contract import (
    META,
    AddCase,
    add_case,
    opened,
    project_tally,
    read_model,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url, pool_size=2)
    await create_schema(engine, kernel_metadata, effects_metadata, read_model)
    yield engine
    await engine.dispose()


async def drop_every_connection(engine: AsyncEngine) -> int:
    """What a restart does to the pool: every backend of the database is gone."""
    database = engine.url.database
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        dropped = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
    finally:
        await admin.close()
    return len(dropped)


async def test_a_consumer_s_batch_goes_through_after_the_connections_were_dropped(
    engine: AsyncEngine,
) -> None:
    inbox = Inbox(engine, "reporting", record_effect)
    agg = uuid.uuid4()
    assert await inbox.process([envelope(agg, 1)]) == [None]
    assert await drop_every_connection(engine) >= 1  # the pooled connection
    # One event: no fallback to a transaction per event would run it again.
    assert await inbox.process([envelope(agg, 2)]) == [None]
    assert await drop_every_connection(engine) >= 1
    assert await inbox.process([envelope(agg, 3), envelope(agg, 4)]) == [None, None]
    assert [r[1] for r in await effect_rows(engine)] == [1, 2, 3, 4]


async def test_a_command_goes_through_after_the_connections_were_dropped(
    engine: AsyncEngine,
) -> None:
    factory = UnitOfWorkFactory(engine, EventStore(), projections={"tally": [project_tally]})
    runner = CommandRunner(factory, clock=FakeUnitOfWork().log.clock)
    tally_id = await opened(factory)
    assert await drop_every_connection(engine) >= 1
    assert await runner.run(add_case, AddCase(tally_id, uuid.uuid4()), META) == 1
    async with engine.connect() as conn:
        stored = await conn.execute(select(func.count()).select_from(events))
        assert stored.scalar_one() == 2


async def test_an_append_that_meets_a_dropped_connection_first_says_so_and_the_next_one_stores(
    engine: AsyncEngine,
) -> None:
    """The append statement runs on the driver's connection (EventStore._store_postgresql): as
    the first statement of a transaction on a dropped connection, it fails as SQLAlchemy's
    statements do, a disconnect with the connection invalidated, and nothing is stored."""
    store = EventStore()
    stream = Aggregate("assistant", uuid.uuid4(), "1465068")
    async with engine.begin() as conn:
        await store.append(conn, stream, 0, [registered()], META)
    assert await drop_every_connection(engine) >= 1
    with pytest.raises(DBAPIError) as failed:
        async with engine.begin() as conn:
            await store.append(conn, stream, 1, [registered()], META)
    assert is_disconnect(failed.value)
    async with engine.begin() as conn:
        await store.append(conn, stream, 1, [registered()], META)
    async with engine.connect() as conn:
        assert await store.stream_version(conn, stream.stream_id) == 2
