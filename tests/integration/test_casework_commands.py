"""Casework's command routes against PostgreSQL, in process: a retry with the same
Idempotency-Key has one effect and the same answer; a text with a NUL byte or without a bound
is a 422 problem, never a 500 (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest

from services.casework.api import build_api
from services.casework.application.handlers import assign_assistant, record_consent
from services.casework.application.reactions import case_id_for, react
from services.casework.bootstrap import build_app
from services.casework.domain.case.commands import AssignAssistant, RecordConsent
from services.casework.settings import CaseworkSettings
from shared.domain.clock import poland_today
from shared.events import AssistanceGranted, AssistantRegistered, FamilyMember
from shared.eventstore import EventMetadata
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token
from tests.events import envelope_of

pytestmark = pytest.mark.integration

OCHOTA, WOLA = "1465068", "1465188"
PROBLEM = "https://asysta.pl/problems/"


@dataclass
class WorkingCase:
    case_id: uuid.UUID
    assistant: httpx.AsyncClient
    head: httpx.AsyncClient
    head_of_wola: httpx.AsyncClient


@pytest.fixture
async def working(pg_url: str) -> AsyncIterator[WorkingCase]:
    casework = build_app(CaseworkSettings(database_url=pg_url))
    await casework.runtime.start(relay=False, worker=False)
    assistant_id, referral_id = uuid.uuid4(), uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    granted = AssistanceGranted(
        family_id=uuid.uuid4(),
        source="social_worker",
        obligatory=False,
        decided_on=casework.clock.today(),
        members=(
            FamilyMember(
                role="parent",
                first_name="Anna",
                last_name="Test",
                pesel=pesel(date(1990, 1, 1), 7, female=True),
            ),
        ),
    )
    await react(envelope_of(registered, "assistant", assistant_id), casework.runner)
    await react(envelope_of(granted, "referral", referral_id), casework.runner)
    case_id = case_id_for(referral_id)
    metadata = EventMetadata(actor="test", correlation_id="setup")
    await casework.runner.run(
        assign_assistant, AssignAssistant(case_id=case_id, assistant_id=assistant_id), metadata
    )
    await casework.runner.run(
        record_consent,
        RecordConsent(case_id=case_id, given_on=casework.clock.today(), signed_by=("Anna",)),
        metadata,
    )
    api = build_api(casework, run_relay=False)

    def client(role: Role, subject: str, district: str = OCHOTA) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=api),
            base_url="http://casework",
            headers={"Authorization": f"Bearer {token(role, (district,), subject=subject)}"},
        )

    async with (
        client(Role.ASSISTANT, str(assistant_id)) as assistant,
        client(Role.HEAD, "head") as head,
        client(Role.HEAD, "head-wola", WOLA) as head_of_wola,
    ):
        yield WorkingCase(case_id, assistant, head, head_of_wola)
    await casework.runtime.stop()


def visit(note: str = "Rozmowa") -> dict[str, object]:
    return {
        "visited_on": poland_today().isoformat(),
        "duration_minutes": 60,
        "present": ["Anna"],
        "topics": ["budget"],
        "note": note,
    }


async def test_a_visit_posted_twice_with_one_key_is_logged_once(working: WorkingCase) -> None:
    url = f"/cases/{working.case_id}/visits"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = (await working.assistant.get(f"/cases/{working.case_id}")).json()["version"]
    first = await working.assistant.post(url, json=visit(), headers=key)
    second = await working.assistant.post(url, json=visit(), headers=key)
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    # The answer is what the visit changed, not the case file; a retry answers the same.
    answer = first.json()
    assert set(answer) == {"case_id", "status", "version", "events", "visit_id", "request_id"}
    assert (answer["case_id"], answer["status"], answer["version"], answer["events"]) == (
        str(working.case_id),
        "active",
        before + 1,
        ["VisitLogged"],
    )
    assert second.json() == answer
    case = (await working.assistant.get(f"/cases/{working.case_id}")).json()
    assert [v["visit_id"] for v in case["visits"]] == [answer["visit_id"]]
    assert case["version"] == answer["version"]
    # Without a key, a second post is a second visit.
    third = await working.assistant.post(url, json=visit())
    assert third.status_code == 201, third.text
    assert third.json()["version"] == before + 2
    assert third.json()["visit_id"] != answer["visit_id"]
    case = (await working.assistant.get(f"/cases/{working.case_id}")).json()
    assert len(case["visits"]) == 2


async def test_the_same_key_with_another_body_is_refused(working: WorkingCase) -> None:
    url = f"/cases/{working.case_id}/visits"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert (await working.assistant.post(url, json=visit(), headers=key)).status_code == 201
    reused = await working.assistant.post(url, json=visit("Inna notatka"), headers=key)
    assert reused.status_code == 422
    assert reused.json()["type"] == PROBLEM + "idempotency-key-reused"
    case = (await working.assistant.get(f"/cases/{working.case_id}")).json()
    assert len(case["visits"]) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", "przed\x00po"),
        ("present", ["An\x00na"]),
        ("present", ["A" * 100_000]),
        ("present", ["Anna"] * 21),
        ("duration_minutes", 721),
    ],
    ids=["nul-in-note", "nul-in-name", "endless-name", "too-many-names", "too-long-visit"],
)
async def test_a_visit_with_bad_text_is_a_422_problem(
    working: WorkingCase, field: str, value: object
) -> None:
    response = await working.assistant.post(
        f"/cases/{working.case_id}/visits", json={**visit(), field: value}
    )
    assert response.status_code == 422, response.text
    assert response.json()["type"] == PROBLEM + "invalid-request"
    assert {e["field"].split(".")[0] for e in response.json()["errors"]} == {field}


async def test_a_nul_byte_in_a_reason_or_a_signature_is_a_422_problem(
    working: WorkingCase,
) -> None:
    case = f"/cases/{working.case_id}"
    closing = await working.head.post(f"{case}/closure", json={"reason": "other", "note": "a\x00b"})
    declining = await working.head.post(
        f"{case}/transfer/decision", json={"decision": "declined", "reason": "a\x00b"}
    )
    consent = await working.head.post(
        f"{case}/consent", json={"given_on": poland_today().isoformat(), "signed_by": ["A\x00"]}
    )
    assert [r.status_code for r in (closing, declining, consent)] == [422, 422, 422]
    assert {r.json()["type"] for r in (closing, declining, consent)} == {
        PROBLEM + "invalid-request"
    }
    in_english = await working.head.post(
        f"{case}/closure",
        json={"reason": "other", "note": "a\x00b"},
        headers={"Accept-Language": "en"},
    )
    assert in_english.json()["errors"][0]["message"] == "the text contains control characters"


async def test_declining_a_transfer_without_a_reason_is_a_422_problem(
    working: WorkingCase,
) -> None:
    case = f"/cases/{working.case_id}"
    moved = await working.head.post(f"{case}/transfer", json={"to_district": WOLA})
    assert moved.status_code == 200, moved.text
    silent = await working.head_of_wola.post(
        f"{case}/transfer/decision", json={"decision": "declined"}
    )
    assert silent.status_code == 422
    assert silent.json()["type"] == PROBLEM + "decline-without-reason"
    declined = await working.head_of_wola.post(
        f"{case}/transfer/decision", json={"decision": "declined", "reason": "Brak podstaw"}
    )
    assert declined.status_code == 200
    assert declined.json()["status"] == "closed"
