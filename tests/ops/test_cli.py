"""The operator's command line: lag, outbox, check, dead letters, token and migrate, as an
operator or a script (--json) uses them, with the exit codes the README documents."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import redis as sync_redis
from faststream.redis.parser import BinaryMessageFormatV1

from asysta.cli import main
from tests.integration.kit import envelope


@pytest.fixture
def deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str, stream_prefix: str
) -> Path:
    """Settings as under `make run`: SQLite files in a data directory whose redis-url file
    names the Redis; no REDIS_URL in the environment."""
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ASYSTA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ASYSTA_STREAM_PREFIX", stream_prefix)
    for service in ("referrals", "casework", "directory", "reporting"):
        monkeypatch.setenv(
            f"{service.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/{service}.db"
        )
    (tmp_path / "redis-url").write_text(redis_url + "\n")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["--json", *argv])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_migrate_then_check_then_outbox(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows = run(capsys, "migrate")
    assert code == 0 and [r["service"] for r in rows] == [
        "referrals",
        "casework",
        "directory",
        "reporting",
    ]
    code, rows = run(capsys, "check")
    assert code == 0, rows
    assert {r["what"] for r in rows if r["ok"]} >= {"redis", "casework: database"}
    code, rows = run(capsys, "outbox", "status")
    assert code == 0
    assert rows == [
        {"service": s, "waiting": 0, "oldest_age_s": 0.0}
        for s in ("referrals", "casework", "directory")
    ]


def test_lag_lists_every_group_of_every_stream(
    deployment: Path, capsys: pytest.CaptureFixture[str], redis_url: str, stream_prefix: str
) -> None:
    client = sync_redis.Redis.from_url(redis_url)
    stream = f"{stream_prefix}directory.events"
    for _ in range(3):
        client.xadd(stream, {b"__data__": b"x"})
    client.xgroup_create(stream, "reporting", id="0")
    client.xgroup_create(stream, "casework", id="$")
    client.xreadgroup("reporting", "r1", {stream: ">"}, count=1)
    client.close()
    code, rows = run(capsys, "lag")
    assert code == 0
    directory = {r["group"]: r for r in rows if r["stream"] == "directory"}
    assert (directory["reporting"]["lag"], directory["reporting"]["pending"]) == (2, 1)
    assert (directory["casework"]["lag"], directory["casework"]["pending"]) == (0, 0)
    # A group a service expects but Redis does not have yet: the whole stream is its lag.
    assert {(r["stream"], r["group"]) for r in rows} >= {
        ("referrals", "casework"),
        ("casework", "referrals"),
    }


def _dead_letter(redis_url: str, prefix: str) -> str:
    data = asyncio.run(
        BinaryMessageFormatV1.encode(
            message=envelope(uuid.uuid4(), 1).model_dump_json().encode(),
            reply_to=None,
            headers={},
            correlation_id="c",
        )
    )
    client = sync_redis.Redis.from_url(redis_url)
    entry = client.xadd(
        f"{prefix}reporting.dead-letters",
        {
            b"stream": f"{prefix}directory.events",
            b"group": "reporting",
            b"message_id": "1-0",
            b"deliveries": "5",
            b"error": "ValueError",
            b"dead_at": datetime.now(UTC).isoformat(),
            b"__data__": data,
        },
    )
    client.close()
    return entry.decode()


def test_dead_letters_list_show_replay_drop(
    deployment: Path, capsys: pytest.CaptureFixture[str], redis_url: str, stream_prefix: str
) -> None:
    first = _dead_letter(redis_url, stream_prefix)
    second = _dead_letter(redis_url, stream_prefix)
    code, rows = run(capsys, "dead-letters", "list")
    assert code == 0 and [r["id"] for r in rows] == [first, second]
    assert rows[0]["event_type"] == "AssistantRegistered"
    code, shown = run(capsys, "dead-letters", "show", first)
    assert code == 0 and shown["error"] == "ValueError" and "payload" not in shown
    assert run(capsys, "dead-letters", "show", "0-1")[0] == 1
    # No worker of the group is running: the replay says so and exits 1, never "success".
    code, outcomes = run(capsys, "dead-letters", "replay", first, "--timeout", "0.5")
    assert code == 1 and [(o["id"], o["outcome"]) for o in outcomes] == [(first, "no answer")]
    assert run(capsys, "dead-letters", "drop", "--all") == (0, [{"dropped": 1}])
    client = sync_redis.Redis.from_url(redis_url)
    assert client.xlen(f"{stream_prefix}reporting.dead-letters") == 0
    assert client.xlen(f"{stream_prefix}directory.events") == 1
    client.close()


def test_no_redis_to_be_found_is_a_settings_error(
    deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (deployment / "redis-url").unlink()
    assert main(["lag"]) == 2
    assert "REDIS_URL" in capsys.readouterr().err


def test_an_unreachable_redis_is_exit_code_3(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    assert main(["lag"]) == 3


def test_tokens_only_in_development(
    deployment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, issued = run(capsys, "token", "--role", "assistant", "--subject", "a-1")
    assert code == 0 and issued["role"] == "assistant" and issued["token"].count(".") == 2
    monkeypatch.setenv("ASYSTA_ENV", "production")
    monkeypatch.setenv("ASYSTA_JWT_SECRET", "p" * 40)
    monkeypatch.setenv("ASYSTA_DATA_KEY", "k" * 40)
    assert main(["token"]) == 4


def test_erasure_needs_yes(deployment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["erase-family", str(uuid.uuid4()), "--reason", "test"]) == 4
    assert "--yes" in capsys.readouterr().err
