"""The operator's dead letters over each service's HTTP API, on PostgreSQL and Redis: the
administrator lists their own group's dead letters (never the payload), replays one and reads
what became of it (applied, or failed again with the error), replays a group's, drops one;
every other role is refused with 403 problem details in Polish; each action is audited."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from faststream.redis.parser import BinaryMessageFormatV1
from sqlalchemy import select

from services.reporting.adapters.tables import assistants_view
from services.reporting.api import build_api
from services.reporting.bootstrap import ReportingApp, build_reporting
from services.reporting.settings import ReportingSettings
from shared.events import Envelope
from shared.web.audit import audit_log
from shared.web.auth import Role
from tests.conftest import token
from tests.integration.kit import envelope

pytestmark = pytest.mark.integration

SURNAME = "Test"  # kit.envelope's assistant: in the payload, never in an answer


@pytest.fixture
async def reporting(
    pg_url: str, redis_url: str, stream_prefix: str
) -> AsyncIterator[tuple[ReportingApp, httpx.AsyncClient]]:
    app = build_reporting(
        ReportingSettings(
            database_url=pg_url,
            REDIS_URL=redis_url,  # type: ignore[call-arg]
            ASYSTA_STREAM_PREFIX=stream_prefix,  # type: ignore[call-arg]
        )
    )
    await app.runtime.start(relay=True, worker=True)
    api = build_api(app, run_relay=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://reporting")
    yield app, client
    await client.aclose()
    await app.runtime.stop()


async def put_dead_letter(redis_url: str, prefix: str, event: Envelope) -> str:
    """A message the reporting group gave up on, as its consumer leaves it."""
    data = await BinaryMessageFormatV1.encode(
        message=event.model_dump_json().encode(), reply_to=None, headers={}, correlation_id="c"
    )
    client = aioredis.from_url(redis_url)
    entry = await client.xadd(
        f"{prefix}reporting.dead-letters",
        {
            b"stream": f"{prefix}directory.events",
            b"group": "reporting",
            b"message_id": "1-0",
            b"deliveries": "5",
            b"error": "RuntimeError: the projection's database was down",
            b"dead_at": datetime.now(UTC).isoformat(),
            b"__data__": data,
        },
    )
    await client.aclose()
    return str(entry.decode())


def broken(aggregate_id: uuid.UUID) -> Envelope:
    """An event whose payload the projector cannot read: it fails again when replayed."""
    good = envelope(aggregate_id, 1)
    return good.model_copy(update={"payload": {"first_name": "X"}})


def as_(role: Role) -> dict[str, str]:
    districts = ("*",) if role in (Role.ADMIN, Role.CITY_ANALYST) else ("1465068",)
    # An assistant's token names an assistant (by id here), else the policy refuses it sooner.
    subject = str(uuid.uuid4()) if role is Role.ASSISTANT else f"{role.value}-1"
    return {"Authorization": f"Bearer {token(role, districts, subject=subject)}"}


ADMIN = as_(Role.ADMIN)


async def test_the_operator_lists_replays_and_drops_dead_letters(
    reporting: tuple[ReportingApp, httpx.AsyncClient], redis_url: str, stream_prefix: str
) -> None:
    app, client = reporting
    assistant_id = uuid.uuid4()
    good = await put_dead_letter(redis_url, stream_prefix, envelope(assistant_id, 1))
    bad = await put_dead_letter(redis_url, stream_prefix, broken(uuid.uuid4()))
    spare = await put_dead_letter(redis_url, stream_prefix, envelope(uuid.uuid4(), 1))

    listed = await client.get("/dead-letters", headers=ADMIN)
    assert listed.status_code == 200, listed.text
    body: dict[str, Any] = listed.json()
    assert (body["service"], body["groups"], body["bus"]) == ("reporting", ["reporting"], True)
    assert [x["id"] for x in body["letters"]] == [good, bad, spare]
    first = body["letters"][0]
    assert first["stream"] == "directory" and first["group"] == "reporting"
    assert first["event_type"] == "AssistantRegistered" and first["deliveries"] == 5
    assert first["error"] == "RuntimeError: the projection's database was down"
    assert "payload" not in listed.text and SURNAME not in listed.text

    applied = await client.post(f"/dead-letters/{good}/replay", headers=ADMIN)
    assert applied.status_code == 200, applied.text
    assert applied.json()["outcome"] == "applied" and applied.json()["error"] is None
    async with app.engine.connect() as conn:
        projected = (
            await conn.execute(
                select(assistants_view.c.assistant_id).where(
                    assistants_view.c.assistant_id == assistant_id
                )
            )
        ).scalar()
    assert projected == assistant_id

    failed = await client.post(f"/dead-letters/{bad}/replay", headers=ADMIN)
    assert failed.status_code == 200, failed.text
    assert failed.json()["outcome"] == "failed"
    assert "ValidationError" in failed.json()["error"]
    # The value the validation error quotes is not shown.
    assert "input_value=…" in failed.json()["error"] and "'X'" not in failed.text
    # Failed again: a dead letter again, under a new id, with the new error.
    again = (await client.get("/dead-letters", headers=ADMIN)).json()["letters"]
    assert [x["event_type"] for x in again] == ["AssistantRegistered", "AssistantRegistered"]
    assert spare in [x["id"] for x in again]
    renewed = next(x for x in again if x["id"] != spare)
    assert "ValidationError" in renewed["error"]

    dropped = await client.delete(f"/dead-letters/{renewed['id']}", headers=ADMIN)
    assert dropped.status_code == 200 and dropped.json() == {"dropped": 1}
    group = await client.post("/dead-letters/replay", params={"group": "reporting"}, headers=ADMIN)
    assert group.status_code == 200, group.text
    assert [(o["id"], o["outcome"]) for o in group.json()] == [(spare, "applied")]
    assert (await client.get("/dead-letters", headers=ADMIN)).json()["letters"] == []

    gone = await client.post(f"/dead-letters/{good}/replay", headers=ADMIN)
    assert gone.status_code == 404
    assert gone.json()["title"] == "Nie ma takiej martwej wiadomości"
    assert (await client.delete("/dead-letters/not-an-id", headers=ADMIN)).status_code == 422

    async with app.engine.connect() as conn:
        audited = (
            await conn.execute(
                select(audit_log.c.action, audit_log.c.writes, audit_log.c.subject).where(
                    audit_log.c.action.like("dead_letters.%")
                )
            )
        ).all()
    actions = [row.action for row in audited]
    assert actions.count("dead_letters.replay") == 3 and actions.count("dead_letters.drop") == 1
    assert "dead_letters.list" in actions
    assert {row.subject for row in audited} == {"admin-1"}


@pytest.mark.parametrize(
    "role", [r for r in Role if r is not Role.ADMIN], ids=lambda r: str(r.value)
)
async def test_only_the_operator_may_see_or_touch_dead_letters(
    reporting: tuple[ReportingApp, httpx.AsyncClient],
    redis_url: str,
    stream_prefix: str,
    role: Role,
) -> None:
    _app, client = reporting
    entry = await put_dead_letter(redis_url, stream_prefix, envelope(uuid.uuid4(), 1))
    headers = as_(role)
    for method, path in (
        ("GET", "/dead-letters"),
        ("POST", f"/dead-letters/{entry}/replay"),
        ("POST", "/dead-letters/replay"),
        ("DELETE", f"/dead-letters/{entry}"),
    ):
        answer = await client.request(method, path, headers=headers)
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["title"] == "Brak uprawnień"
        assert "dead_letters." in answer.json()["detail"]
    # Nothing was replayed or dropped.
    left = (await client.get("/dead-letters", headers=ADMIN)).json()["letters"]
    assert [x["id"] for x in left] == [entry]
