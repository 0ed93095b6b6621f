"""The suite as separate processes (API and workers apart) on PostgreSQL and a real Redis."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as sync_redis

from suite.embedded_redis import free_port
from suite.processes import SERVICES, SuiteProcesses
from suite.scenario import Suite
from tests.conftest import PG_HOST_URL, REDIS_URL, create_pg_database, drop_pg_database


class RunningSuite:
    def __init__(self, processes: SuiteProcesses, prefix: str, secret: str) -> None:
        self.processes = processes
        self.prefix = prefix
        self.secret = secret
        self.logs = processes.data_dir / "logs"

    def client(self) -> Suite:
        """The suite as its administrator; `.head(district)`, `.assistant(...)` and `.as_()`
        act as other people."""
        return Suite(urls=self.processes.urls, secret=self.secret)

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


@pytest.fixture(scope="module")
def running_suite(request: pytest.FixtureRequest) -> Iterator[RunningSuite]:
    """The suite for one test module; a module's SUITE_ENV adds settings of its own, its
    API_WORKERS the processes serving a service's API port."""
    databases = {name: asyncio.run(create_pg_database()) for name in SERVICES}
    prefix = f"e2e{uuid.uuid4().hex[:8]}:"
    data_dir = Path(tempfile.mkdtemp(prefix="asysta-e2e-"))
    secret = secrets.token_urlsafe(32)
    processes = SuiteProcesses(
        data_dir,
        {name: free_port() for name in SERVICES},
        REDIS_URL,
        database_urls={name: f"{PG_HOST_URL}/{db}" for name, db in databases.items()},
        separate_workers={"casework": 1, "reporting": 2},
        api_workers=getattr(request.module, "API_WORKERS", None),
        extra_env={
            "ASYSTA_STREAM_PREFIX": prefix,
            "ASYSTA_ENV": "test",
            "ASYSTA_JWT_SECRET": secret,
            "ASYSTA_CLAIM_IDLE_MS": "2000",
            "CASEWORK_MONITORING_CHECK_SECONDS": "0.5",
            **getattr(request.module, "SUITE_ENV", {}),
        },
    )
    try:
        processes.start()
        yield RunningSuite(processes, prefix, secret)
    finally:
        processes.stop()
        for db in databases.values():
            asyncio.run(drop_pg_database(db))
        client = sync_redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
        if os.environ.get("ASYSTA_E2E_KEEP"):
            print(f"\nE2E logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
