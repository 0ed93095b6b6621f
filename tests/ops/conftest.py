"""Two services in process on SQLite files and the test Redis: directory (produces events) and
reporting (consumes them), so every figure /metrics exports has something to show."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime as directory_runtime
from services.reporting.api import build_api as reporting_api
from services.reporting.bootstrap import build_reporting
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from tests.conftest import token

OCHOTA = "1465068"
ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def service_process(
    log_path: Path, service: str, mode: str, env: dict[str, str], *, stop: signal.Signals
) -> Iterator[None]:
    """`python -m services.<service> <mode>` as deployed, its output in `log_path`; stopped
    with `stop` on leaving, and it must exit 0 (the log says why if not)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", f"services.{service}", mode],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield
        finally:
            process.send_signal(stop)
            code = process.wait(timeout=60)
    assert code == 0, log_path.read_text()


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(text: str, name: str, **labels: str) -> float | None:
    for sample in samples(text):
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None


@dataclass
class Pair:
    directory: httpx.AsyncClient
    reporting: httpx.AsyncClient
    runtimes: list[ServiceRuntime]


@contextlib.asynccontextmanager
async def running_pair(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    stream_prefix: str,
    *,
    database_urls: dict[str, str] | None = None,
    before_start: Callable[[ServiceRuntime, ServiceRuntime], None] | None = None,
) -> AsyncIterator[Pair]:
    """`database_urls`: per service (directory, reporting), instead of SQLite files;
    `before_start`: called with the two runtimes (directory, reporting) before they start."""
    urls = database_urls or {
        name: f"sqlite+aiosqlite:///{tmp_path}/{name}.db" for name in ("directory", "reporting")
    }
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("ASYSTA_STREAM_PREFIX", stream_prefix)
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", urls["directory"])
    monkeypatch.setenv("REPORTING_DATABASE_URL", urls["reporting"])
    monkeypatch.setenv("ASYSTA_CONSUMER_NAME", "ops-test")
    directory = directory_runtime()
    reporting_app = build_reporting()
    reporting = reporting_app.runtime
    if before_start is not None:
        before_start(directory, reporting)
    apps = (directory_api(directory, True, False), reporting_api(reporting_app, False, True))
    await directory.start(relay=True, worker=False)
    await reporting.start(relay=False, worker=True)
    headers = {"Authorization": f"Bearer {token(Role.HEAD, (OCHOTA,), subject='head-ochota')}"}
    clients = [
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service", headers=headers
        )
        for app in apps
    ]
    try:
        yield Pair(clients[0], clients[1], [directory, reporting])
    finally:
        for client in clients:
            await client.aclose()
        for runtime in (reporting, directory):
            await runtime.stop()


@pytest.fixture
async def pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str, stream_prefix: str
) -> AsyncIterator[Pair]:
    async with running_pair(tmp_path, monkeypatch, redis_url, stream_prefix) as running:
        yield running


async def register_assistant(pair: Pair) -> str:
    response = await pair.directory.post(
        "/assistants",
        json={
            "first_name": "Ewa",
            "last_name": "Asystentka",
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["assistant_id"])
