"""The referrals and directory APIs on SQLite and PostgreSQL: an Idempotency-Key makes a retry
safe, text with NUL or control characters is refused with a 422 and stores nothing, the head's
justification of a grant is kept, and huge integer query parameters are refused, not a 500."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime as directory_runtime
from services.directory.settings import DirectorySettings
from services.referrals.api import build_api as referrals_api
from services.referrals.bootstrap import build_runtime as referrals_runtime
from services.referrals.settings import ReferralsSettings
from shared.domain.clock import FixedClock
from shared.eventstore.tables import idempotency_keys
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token

pytestmark = pytest.mark.integration

OCHOTA = "1465068"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PROBLEM = "https://asysta.pl/problems/"


@pytest.fixture
async def services(db_url: str) -> AsyncIterator[dict[str, ServiceRuntime]]:
    runtimes = {
        "referrals": referrals_runtime(
            ReferralsSettings(database_url=db_url), clock=FixedClock(NOW)
        ),
        "directory": directory_runtime(
            DirectorySettings(database_url=db_url), clock=FixedClock(NOW)
        ),
    }
    for runtime in runtimes.values():
        await runtime.start(relay=False, worker=False)
    yield runtimes
    for runtime in runtimes.values():
        await runtime.stop()


def _client(app: FastAPI, role: Role = Role.HEAD) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://service",
        headers={"Authorization": f"Bearer {token(role, (OCHOTA,))}"},
    )


@pytest.fixture
async def referrals(services: dict[str, ServiceRuntime]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(referrals_api(services["referrals"], False, False)) as client:
        yield client


@pytest.fixture
async def directory(services: dict[str, ServiceRuntime]) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(directory_api(services["directory"], False, False)) as client:
        yield client


def referral(**overrides: object) -> dict[str, Any]:
    body: dict[str, Any] = {
        "district": OCHOTA,
        "source": "social_worker",
        "sender_reference": "OPS/1/26",
        "members": [
            {
                "role": "parent",
                "first_name": "Anna",
                "last_name": "Test",
                "pesel": pesel(date(1990, 5, 5), 7, female=True),
            }
        ],
        "reason": "Rodzina prosi o wsparcie.",
    }
    return {**body, **overrides}


async def _listed(client: httpx.AsyncClient) -> list[Any]:
    response = await client.get("/referrals", params={"district": OCHOTA})
    assert response.status_code == 200, response.text
    listed: list[Any] = response.json()
    return listed


async def test_a_referral_posted_twice_with_one_key_has_one_effect_and_one_answer(
    referrals: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "referral-2026-11-23-1"}
    first = await referrals.post("/referrals", json=referral(), headers=headers)
    second = await referrals.post("/referrals", json=referral(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    # The answer is what the command changed, not the whole referral; a retry answers the same.
    answer = first.json()
    assert (answer["status"], answer["obligatory"], answer["version"], answer["events"]) == (
        "awaiting_decision",
        False,
        1,
        ["FamilyReferred"],
    )
    assert (answer["linked_to_referral_id"], answer["linked_to_case_id"]) == (None, None)
    assert second.json() == answer
    assert second.headers["Location"] == first.headers["Location"]
    shown = (await referrals.get(f"/referrals/{answer['referral_id']}")).json()
    assert (shown["family_id"], shown["version"]) == (answer["family_id"], answer["version"])
    assert [r["referral_id"] for r in await _listed(referrals)] == [first.json()["referral_id"]]

    other = await referrals.post("/referrals", json=referral(reason="Inna treść."), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == PROBLEM + "idempotency-key-reused"
    assert len(await _listed(referrals)) == 1


@pytest.mark.parametrize(
    "body",
    [
        referral(members=[{**referral()["members"][0], "first_name": "An\x00na"}]),
        referral(reason="Powód\x00"),
        referral(sender_reference="OPS\x07/1"),
    ],
    ids=["nul-in-name", "nul-in-reason", "bell-in-reference"],
)
async def test_control_characters_are_refused_and_nothing_is_stored(
    referrals: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await referrals.post("/referrals", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == PROBLEM + "invalid-request"
    assert {e["type"] for e in response.json()["errors"]} == {"control_characters"}
    assert await _listed(referrals) == []


async def test_a_nul_in_a_decisions_reason_is_refused(referrals: httpx.AsyncClient) -> None:
    created = (await referrals.post("/referrals", json=referral())).json()
    response = await referrals.post(
        f"/referrals/{created['referral_id']}/decision",
        json={"decision": "declined", "reason": "Brak\x00zgody"},
    )
    assert response.status_code == 422
    assert (await referrals.get(f"/referrals/{created['referral_id']}")).json()["decision"] is None


async def test_the_heads_justification_of_a_grant_is_kept(referrals: httpx.AsyncClient) -> None:
    created = (await referrals.post("/referrals", json=referral())).json()
    response = await referrals.post(
        f"/referrals/{created['referral_id']}/decision",
        json={"decision": "granted", "reason": "Dzieci zagrożone umieszczeniem w pieczy."},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["events"]) == (
        "granted",
        ["AssistanceGranted"],
    )
    shown = (await referrals.get(f"/referrals/{created['referral_id']}")).json()
    assert shown["status"] == "granted"
    assert shown["version"] == response.json()["version"]
    assert shown["decision"]["reason"] == "Dzieci zagrożone umieszczeniem w pieczy."


async def test_a_nul_in_an_assistants_name_is_refused(directory: httpx.AsyncClient) -> None:
    response = await directory.post(
        "/assistants",
        json={
            "first_name": "Ewa\x00",
            "last_name": "Nowak",
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    )
    assert response.status_code == 422
    assert (await directory.get("/assistants", params={"district": OCHOTA})).json() == []


@pytest.mark.parametrize("param", ["offset", "limit"])
async def test_a_huge_integer_query_parameter_is_a_422_not_a_500(
    directory: httpx.AsyncClient, param: str
) -> None:
    response = await directory.get("/institutions", params={param: str(10**30)})
    assert response.status_code == 422
    assert response.json()["type"] == PROBLEM + "invalid-request"


async def test_erasure_forgets_the_answers_remembered_for_the_familys_keys(
    services: dict[str, ServiceRuntime], referrals: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "referral-to-erase"}
    created = (await referrals.post("/referrals", json=referral(), headers=headers)).json()
    runtime = services["referrals"]

    async def remembered() -> list[Any]:
        async with runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(idempotency_keys.c.family_id).where(
                    idempotency_keys.c.key == "referral-to-erase"
                )
            )
            return [row.family_id for row in rows]

    assert await remembered() == [uuid.UUID(created["family_id"])]
    admin_token = token(Role.ADMIN, ("*",))
    async with _client(referrals_api(runtime, False, False)) as admin:
        admin.headers["Authorization"] = f"Bearer {admin_token}"
        erased = await admin.post(
            f"/families/{created['family_id']}/erasure", json={"reason": "decyzja administratora"}
        )
    assert erased.status_code == 202, erased.text
    assert await remembered() == []


async def test_two_referrals_of_one_family_at_the_same_time_open_one_and_link_the_other(
    referrals: httpx.AsyncClient,
) -> None:
    """The family index's key makes the second writer collide; the command runs again and is
    then linked to the first (on SQLite the writers are serialised by the database lock)."""
    first, second = await asyncio.gather(
        referrals.post("/referrals", json=referral(sender_reference="A/1")),
        referrals.post("/referrals", json=referral(sender_reference="B/1")),
    )
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    statuses = sorted(r.json()["status"] for r in (first, second))
    assert statuses == ["awaiting_decision", "linked"]
    assert first.json()["family_id"] == second.json()["family_id"]
