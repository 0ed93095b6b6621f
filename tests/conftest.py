"""Fixtures shared by every test: real PostgreSQL and Redis for integration and end-to-end
tests (fresh databases and stream names per test, so runs never collide), SQLite files for the
embedded variant.

PostgreSQL and Redis must be running (`.ci/run` starts them): a missing server is a failure,
never a skip."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
import redis as sync_redis

from shared.runtime.settings import DEVELOPMENT_JWT_SECRET
from shared.web.auth import Role, issue_token

PG_ADMIN_DSN = os.environ.get("ASYSTA_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ASYSTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PG_HOST_URL = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")


async def create_pg_database() -> str:
    name = f"asysta_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    name = await create_pg_database()
    yield f"{PG_HOST_URL}/{name}"
    await drop_pg_database(name)


@pytest.fixture
def sqlite_url(tmp_path: os.PathLike[str]) -> str:
    return f"sqlite+aiosqlite:///{tmp_path}/service.db"


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> AsyncIterator[str]:
    """The same test against both databases the event store supports."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/service.db"
        return
    name = await create_pg_database()
    yield f"{PG_HOST_URL}/{name}"
    await drop_pg_database(name)


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def stream_prefix() -> Iterator[str]:
    """Stream names of one test; its keys are deleted afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    yield prefix
    client = sync_redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def token(
    role: Role = Role.ADMIN,
    districts: tuple[str, ...] = ("*",),
    subject: str = "t",
    secret: str = DEVELOPMENT_JWT_SECRET,
) -> str:
    return issue_token(secret, subject=subject, role=role, districts=districts)
