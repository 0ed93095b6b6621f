"""Records made on an assistant's device (offline) against PostgreSQL, in process: a record
sent twice (one after the other, or at once from two tabs) has one effect and the second
answer says it was already there; a record for a case closed meanwhile is held "do
wyjaśnienia", not applied and not dropped, and the head applies it to the reopened case;
reporting counts each visit once; bad input is a Polish problem, never a 500."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.casework.api import build_api
from services.casework.application.handlers import assign_assistant, record_consent
from services.casework.application.reactions import case_id_for, react
from services.casework.bootstrap import CaseworkApp, build_app
from services.casework.domain.case.commands import AssignAssistant, RecordConsent
from services.casework.settings import CaseworkSettings
from services.reporting.adapters.tables import cases_view, visits_view
from services.reporting.application.projector import project
from services.reporting.bootstrap import build_reporting
from services.reporting.settings import ReportingSettings
from shared.domain.clock import poland_today
from shared.events import AssistanceGranted, AssistantRegistered, FamilyMember
from shared.eventstore import EventMetadata
from shared.eventstore.tables import events
from shared.messaging.inbox import Inbox
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database, token
from tests.events import envelope_of

pytestmark = pytest.mark.integration

OCHOTA, WOLA = "1465068", "1465188"
PROBLEM = "https://asysta.pl/problems/"


@dataclass
class Field:
    casework: CaseworkApp
    case_id: uuid.UUID
    assistant: httpx.AsyncClient
    head: httpx.AsyncClient
    head_of_wola: httpx.AsyncClient


@pytest.fixture
async def field(pg_url: str) -> AsyncIterator[Field]:
    casework = build_app(CaseworkSettings(database_url=pg_url))
    await casework.runtime.start(relay=False, worker=False)
    assistant_id, referral_id = uuid.uuid4(), uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Terenowa",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    granted = AssistanceGranted(
        family_id=uuid.uuid4(),
        source="social_worker",
        obligatory=False,
        decided_on=casework.clock.today() - timedelta(days=30),
        members=(
            FamilyMember(
                role="parent",
                first_name="Anna",
                last_name="Polna",
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
        yield Field(casework, case_id, assistant, head, head_of_wola)
    await casework.runtime.stop()


def visit(case_id: uuid.UUID, *, days_ago: int = 0, note: str = "Budżet") -> dict[str, Any]:
    on = poland_today() - timedelta(days=days_ago)
    return {
        "record_id": str(uuid.uuid4()),
        "device_id": "tablet-7",
        "case_id": str(case_id),
        "case_version": 5,
        "kind": "visit",
        "happened_on": on.isoformat(),
        "happened_at": datetime(on.year, on.month, on.day, 9, 15, tzinfo=UTC).isoformat(),
        "duration_minutes": 45,
        "place": "home",
        "present": ["Anna Polna"],
        "topics": ["budget", "school"],
        "note": note,
    }


async def send(client: httpx.AsyncClient, *records: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await client.post("/device-records", json={"records": list(records)})
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result


async def visits_logged(casework: CaseworkApp, case_id: uuid.UUID) -> int:
    async with casework.runtime.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).where(
                events.c.stream_id == f"case-{case_id}", events.c.event_type == "VisitLogged"
            )
        )
    return int(count or 0)


async def test_a_record_sent_twice_is_logged_once_and_answered_already_there(
    field: Field,
) -> None:
    record = visit(field.case_id, days_ago=1)
    [first] = await send(field.assistant, record)
    [again] = await send(field.assistant, record)
    assert (first["outcome"], again["outcome"], again["first"]) == (
        "applied",
        "already_there",
        "applied",
    )
    assert await visits_logged(field.casework, field.case_id) == 1
    file = (await field.assistant.get(f"/cases/{field.case_id}")).json()
    [logged] = file["visits"]
    assert logged["visit_id"] == record["record_id"]
    # The device's time of the visit and the server's time of recording, both kept.
    assert logged["visited_at"].startswith(record["happened_on"] + "T09:15")
    assert logged["recorded_at"] and logged["device_id"] == "tablet-7"


async def test_the_same_outbox_sent_from_two_tabs_at_once_has_one_effect(field: Field) -> None:
    outbox = [visit(field.case_id, days_ago=d, note=f"Wizyta {d}") for d in (1, 2, 3)]
    note = {
        **visit(field.case_id),
        "kind": "plan_note",
        "note": "Dodać cel: praca",
        "topics": [],
        "duration_minutes": None,
    }
    outbox.append(note)
    # A consent signed on paper the day before the one recorded at the office: both are kept,
    # the earliest counts, in casework and in reporting.
    yesterday = poland_today() - timedelta(days=1)
    consent = {
        **visit(field.case_id, days_ago=1),
        "kind": "consent",
        "signed_by": ["Anna Polna"],
        "topics": [],
        "duration_minutes": None,
        "note": "",
    }
    outbox.append(consent)
    tab_a, tab_b = await asyncio.gather(
        send(field.assistant, *outbox), send(field.assistant, *outbox)
    )
    for a, b in zip(tab_a, tab_b, strict=True):
        assert sorted((a["outcome"], b["outcome"])) == ["already_there", "applied"], (a, b)
    assert await visits_logged(field.casework, field.case_id) == 3
    file = (await field.assistant.get(f"/cases/{field.case_id}")).json()
    assert sorted(v["note"] for v in file["visits"]) == ["Wizyta 1", "Wizyta 2", "Wizyta 3"]
    assert [n["note"] for n in file["plan_notes"]] == ["Dodać cel: praca"]
    assert file["consent"]["given_on"] == yesterday.isoformat()

    # Reporting, fed every casework event twice (a redelivery), counts each visit once.
    name = await create_pg_database()
    reporting = build_reporting(ReportingSettings(database_url=f"{PG_HOST_URL}/{name}"))
    await reporting.runtime.start(relay=False, worker=False)
    try:
        async with field.casework.runtime.engine.connect() as conn:
            stored = [e for _, e in await field.casework.runtime.store.read_all(conn)]
        inbox = Inbox(reporting.runtime.engine, "reporting", project)
        for _ in range(2):
            assert all(r is None for r in await inbox.process(stored))
        async with reporting.runtime.engine.connect() as conn:
            counted = await conn.scalar(
                select(func.count()).where(visits_view.c.case_id == field.case_id)
            )
            consent_on = await conn.scalar(
                select(cases_view.c.consent_on).where(cases_view.c.case_id == field.case_id)
            )
        assert counted == 3
        assert consent_on == yesterday
    finally:
        await reporting.runtime.stop()
        await drop_pg_database(name)


async def test_a_visit_to_a_case_closed_meanwhile_is_held_and_applied_to_its_reopening(
    field: Field,
) -> None:
    url = f"/cases/{field.case_id}"
    closed = await field.head.post(f"{url}/closure", json={"reason": "goals_achieved"})
    assert closed.status_code == 200, closed.text
    record = visit(field.case_id, days_ago=2, note="Wizyta przed zamknięciem")
    [held] = await send(field.assistant, record)
    assert (held["outcome"], held["reason"]) == ("held", "case_closed")
    assert (await field.assistant.get(url)).json()["visits"] == []
    [again] = await send(field.assistant, record)
    assert (again["outcome"], again["first"], again["reason"]) == (
        "already_there",
        "held",
        "case_closed",
    )

    # "Do wyjaśnienia": the assistant's own, the head's district's; not another district's.
    [mine] = (await field.assistant.get("/device-records/held")).json()
    [heads] = (await field.head.get("/device-records/held", params={"district": OCHOTA})).json()
    assert mine == heads
    assert mine["reason"] == "case_closed" and mine["content"]["note"] == record["note"]
    assert mine["content"]["happened_at"].startswith(record["happened_on"] + "T09:15")
    assert mine["held_at"]
    wola = await field.head_of_wola.get("/device-records/held", params={"district": WOLA})
    assert wola.json() == []
    other = await field.head_of_wola.post(
        f"/device-records/{record['record_id']}/discard", json={"reason": "x"}
    )
    assert other.status_code == 404

    reopened = await field.head.post(f"{url}/reopening", json={"reason": "Nowy kryzys"})
    assert reopened.status_code == 200, reopened.text
    applied = await field.head.post(
        f"/device-records/{record['record_id']}/application", json={"case_id": str(field.case_id)}
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "applied"
    [logged] = (await field.assistant.get(url)).json()["visits"]
    assert logged["visit_id"] == record["record_id"]
    assert logged["note"] == "Wizyta przed zamknięciem"
    assert (await field.assistant.get("/device-records/held")).json() == []
    [decided] = (
        await field.head.get("/device-records/held", params={"district": OCHOTA, "decided": True})
    ).json()
    assert (decided["status"], decided["applied_to"]) == ("applied", str(field.case_id))
    assert decided["decided_by"]

    # Decided once; the device's resend still has no second effect.
    twice = await field.head.post(
        f"/device-records/{record['record_id']}/discard", json={"reason": "Pomyłka"}
    )
    assert twice.status_code == 409
    assert twice.json()["title"] == "Zapis już rozstrzygnięty"
    [late] = await send(field.assistant, record)
    assert (late["outcome"], late["first"]) == ("already_there", "applied_after_review")
    assert await visits_logged(field.casework, field.case_id) == 1


async def test_a_held_record_can_be_discarded_by_its_assistant_with_a_reason(
    field: Field,
) -> None:
    record = visit(field.case_id, days_ago=400)  # before the case was opened
    [held] = await send(field.assistant, record)
    assert (held["outcome"], held["reason"]) == ("held", "before_case_opened")
    discarded = await field.assistant.post(
        f"/device-records/{record['record_id']}/discard", json={"reason": "Zła rodzina"}
    )
    assert discarded.status_code == 200, discarded.text
    [item] = (await field.assistant.get("/device-records/held", params={"decided": "true"})).json()
    assert (item["status"], item["discard_reason"]) == ("discarded", "Zła rodzina")


async def test_bad_records_are_refused_one_by_one_and_bad_bodies_with_a_polish_problem(
    field: Field,
) -> None:
    incomplete = {**visit(field.case_id), "duration_minutes": None, "topics": []}
    unknown = visit(uuid.uuid4())
    fine = visit(field.case_id)
    answers = await send(field.assistant, incomplete, unknown, fine)
    assert [a["outcome"] for a in answers] == ["refused", "refused", "applied"]
    assert answers[0]["problem"]["detail"] == (
        "Zapis rodzaju „visit” wymaga pól: duration_minutes, topics."
    )
    assert answers[1]["problem"]["code"] == "not-found"
    bad = await field.assistant.post(
        "/device-records", json={"records": [{**fine, "colour": "red"}]}
    )
    assert bad.status_code == 422
    assert bad.json()["title"] == "Nieprawidłowe dane"
    empty = await field.assistant.post("/device-records", json={"records": []})
    assert empty.status_code == 422
    forbidden = await field.head.post("/device-records", json={"records": [fine]})
    assert forbidden.status_code == 403


async def test_a_case_transferred_meanwhile_holds_the_record_for_the_assistants_own_head(
    field: Field,
) -> None:
    moved = await field.head.post(f"/cases/{field.case_id}/transfer", json={"to_district": WOLA})
    assert moved.status_code == 200, moved.text
    record = visit(field.case_id, days_ago=1)
    [held] = await send(field.assistant, record)
    assert (held["outcome"], held["reason"]) == ("held", "case_transferred")
    # The review belongs to the assistant's centre; the new centre neither sees nor decides it.
    [item] = (await field.head.get("/device-records/held", params={"district": OCHOTA})).json()
    assert item["district"] == OCHOTA
    assert (
        await field.head_of_wola.get("/device-records/held", params={"district": WOLA})
    ).json() == []
    refused = await field.head_of_wola.post(
        f"/device-records/{record['record_id']}/application",
        json={"case_id": str(field.case_id)},
    )
    assert refused.status_code == 404
    # Nor can Ochota's head apply it to the case now with Wola: the case is not theirs.
    elsewhere = await field.head.post(
        f"/device-records/{record['record_id']}/application",
        json={"case_id": str(field.case_id)},
    )
    assert elsewhere.status_code == 404
    assert await visits_logged(field.casework, field.case_id) == 0


async def test_a_visit_by_an_assistant_no_longer_assigned_is_held(field: Field) -> None:
    other = uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Jan",
        last_name="Następca",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    await react(envelope_of(registered, "assistant", other), field.casework.runner)
    moved = await field.head.post(
        f"/cases/{field.case_id}/assignment", json={"assistant_id": str(other)}
    )
    assert moved.status_code == 200, moved.text
    [held] = await send(field.assistant, visit(field.case_id))
    assert (held["outcome"], held["reason"]) == ("held", "not_assigned")
    assert await visits_logged(field.casework, field.case_id) == 0
