"""In-process HTTP tests of one service on an SQLite file, without Redis: the routes, their
validation and their problem details. (The same routes run against PostgreSQL and Redis in the
end-to-end tests.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from tests.conftest import token

Build = Callable[[str], tuple[ServiceRuntime, FastAPI]]


@pytest.fixture
async def service_client(tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    runtimes: list[ServiceRuntime] = []
    clients: list[httpx.AsyncClient] = []

    async def open_client(
        build: Build,
        *,
        role: Role = Role.HEAD,
        districts: tuple[str, ...] = ("1465068",),
        headers: dict[str, str] | None = None,
    ) -> httpx.AsyncClient:
        runtime, app = build(f"sqlite+aiosqlite:///{tmp_path}/{len(runtimes)}.db")
        await runtime.start(relay=False, worker=False)
        runtimes.append(runtime)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://service",
            headers={"Authorization": f"Bearer {token(role, districts)}", **(headers or {})},
        )
        clients.append(client)
        return client

    yield open_client
    for client in clients:
        await client.aclose()
    for runtime in runtimes:
        await runtime.stop()
