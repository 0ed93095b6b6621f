"""Fresh, disposable infrastructure for one measurement: a PostgreSQL database, a SQLite file,
a Redis key prefix; and a bounded wait."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import asyncpg
import redis.asyncio as aioredis

PG_ADMIN_DSN = os.environ.get("ASYSTA_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ASYSTA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

T = TypeVar("T")


@dataclass(frozen=True)
class PgDatabase:
    name: str

    @property
    def dsn(self) -> str:
        """For asyncpg itself (the raw side)."""
        return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{self.name}"

    @property
    def url(self) -> str:
        """For SQLAlchemy (our side), through the same driver."""
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


@contextlib.asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[PgDatabase]:
    """An empty database of its own, dropped afterwards even if the measurement failed."""
    db = PgDatabase(f"asysta_bench_{uuid.uuid4().hex[:12]}")
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{db.name}"')
    finally:
        await admin.close()
    try:
        yield db
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.contextmanager
def fresh_sqlite_file() -> Iterator[str]:
    """A path for a SQLite database in a temporary directory (with its -wal and -shm)."""
    with tempfile.TemporaryDirectory(prefix="asysta-bench-") as directory:
        yield os.path.join(directory, "reporting.db")


@contextlib.asynccontextmanager
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no one else uses; every key under it is deleted afterwards."""
    prefix = f"bench{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        client = aioredis.from_url(REDIS_URL)
        try:
            keys = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()


class Interference(RuntimeError):
    """Something outside the bench touched its data; the figures of this run mean nothing."""


async def require_stream(client: aioredis.Redis, stream: str, length: int) -> None:
    """Fail fast if the stream lost entries: another client ran FLUSHALL (the test suite's
    consumer tests do) or deleted our keys. Cheap enough to call on every poll."""
    if await client.xlen(stream) < length:
        raise Interference(
            f"stream {stream} lost its entries while measuring (a FLUSHALL by another "
            "client, e.g. the integration tests?)"
        )


async def retry_on_interference(
    measure: Callable[[], Awaitable[T]],
    *,
    before_retry: Callable[[], Awaitable[None]] | None = None,
    attempts: int = 3,
) -> T:
    """Repeat a measurement that another client spoiled (the shared Redis may be flushed by a
    concurrent test run); `before_retry` restores what the measurement starts from."""
    for attempt in range(1, attempts + 1):
        try:
            return await measure()
        except Interference as exc:
            if attempt == attempts:
                raise
            print(f"bench: {exc}; repeating it ({attempt}/{attempts - 1})", file=sys.stderr)
            if before_retry is not None:
                await before_retry()
    raise AssertionError("unreachable")


async def wait_until(
    probe: Callable[[], Awaitable[bool]],
    *,
    timeout: float,
    what: str,
    interval: float = 0.02,
) -> None:
    """Await `probe` every `interval` seconds until it is true; fail after `timeout`.

    The fixed interval bounds how late we notice completion (20 ms against runs of seconds).
    """
    deadline = time.perf_counter() + timeout
    while not await probe():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)
