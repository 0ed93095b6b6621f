"""An API as deployed (uvicorn with httptools' parser, on uvloop) over a real connection: the
body cap holds whether a body declares its length or comes in chunks, the connection serves
the next request after a refusal, and every answer carries its correlation id. In-process
tests (tests/api) go through no HTTP parser at all, so these are what would notice a parser
that behaves differently from h11."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from shared.web.auth import Role
from suite.embedded_redis import free_port
from tests.conftest import token
from tests.ops.conftest import service_process
from tests.waiting import eventually

OCHOTA = "1465068"
OVER_THE_CAP = 1_000_001  # shared/web/middleware.py: CorrelationMiddleware's max_body_bytes


@pytest.fixture
def directory_url(tmp_path: Path, redis_url: str, stream_prefix: str) -> Iterator[str]:
    port = free_port()
    env = {
        "REDIS_URL": redis_url,
        "ASYSTA_STREAM_PREFIX": stream_prefix,
        "DIRECTORY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/directory.db",
        "DIRECTORY_PORT": str(port),
        "ASYSTA_LOG_JSON": "true",
    }
    # SIGINT: uvicorn stops gracefully and the process exits 0 (SIGTERM is re-raised).
    with service_process(tmp_path / "directory.log", "directory", "api", env, stop=signal.SIGINT):
        yield f"http://127.0.0.1:{port}"


async def _chunks(*pieces: bytes) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


def _spaces(total: int, size: int = 64 * 1024) -> list[bytes]:
    return [b" " * min(size, total - start) for start in range(0, total, size)]


async def test_the_body_cap_holds_over_the_wire(directory_url: str) -> None:
    headers = {
        "Authorization": f"Bearer {token(Role.HEAD, (OCHOTA,), subject='head-ochota')}",
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient(base_url=directory_url, headers=headers, timeout=30) as client:

        async def ready() -> bool:
            try:
                return (await client.get("/ready")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready, timeout=60, what="the directory API")

        declared = await client.post(
            "/assistants", content=b" " * OVER_THE_CAP, headers={"X-Correlation-ID": "wire-1"}
        )
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.headers["x-correlation-id"] == "wire-1"

        # No Content-Length: the cap is counted while the body is read.
        chunked = await client.post(
            "/assistants",
            content=_chunks(*_spaces(OVER_THE_CAP)),
            headers={"X-Correlation-ID": "wire-2"},
        )
        assert chunked.status_code == 413
        assert chunked.headers["x-correlation-id"] == "wire-2"

        # A body within the cap, in chunks, is read whole and answered (then with a 201).
        created = await client.post(
            "/assistants",
            content=_chunks(
                b'{"first_name": "Ewa", "last_name": "Asystentka", ',
                f'"district": "{OCHOTA}", "employment_form": "employment_contract"}}'.encode(),
            ),
        )
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/assistants/{created.json()['assistant_id']}"
