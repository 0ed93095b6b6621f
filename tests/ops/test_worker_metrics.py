"""A worker process (no HTTP API) serves /metrics on ASYSTA_METRICS_PORT."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from suite.embedded_redis import free_port
from tests.ops.conftest import service_process, value
from tests.waiting import eventually


@pytest.fixture
def worker(tmp_path: Path, redis_url: str, stream_prefix: str) -> Iterator[int]:
    port = free_port()
    env = {
        "REDIS_URL": redis_url,
        "ASYSTA_STREAM_PREFIX": stream_prefix,
        "REPORTING_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/reporting.db",
        "ASYSTA_METRICS_PORT": str(port),
        "ASYSTA_METRICS_INTERVAL_SECONDS": "0.2",
        "ASYSTA_LOG_JSON": "true",
    }
    with service_process(tmp_path / "worker.log", "reporting", "worker", env, stop=signal.SIGTERM):
        yield port


async def test_a_worker_serves_its_consumer_groups(worker: int) -> None:
    async def scraped() -> str | None:
        try:
            async with httpx.AsyncClient() as client:
                text = (await client.get(f"http://127.0.0.1:{worker}/metrics")).text
        except httpx.HTTPError:
            return None
        lag = value(
            text, "asysta_consumer_group_lag_messages", stream="casework", group="reporting"
        )
        return text if lag is not None else None

    text = await eventually(scraped, timeout=60, what="the worker's /metrics")
    assert value(text, "asysta_dead_letters_messages", group="reporting") == 0
    assert value(text, "asysta_build_info", service="reporting") == 1
    assert value(text, "process_start_time_seconds") is not None
