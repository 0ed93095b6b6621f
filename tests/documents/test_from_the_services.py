"""The documents of a case run through the real services in-process (referrals, directory and
casework on SQLite files; the bus replaced by handing each service's feed to casework's
reactions, as its worker would): what the web app will fetch is what gets printed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.casework.api import build_api as casework_api
from services.casework.application.reactions import react
from services.casework.bootstrap import CaseworkApp
from services.casework.bootstrap import build_app as casework_app
from services.casework.settings import CaseworkSettings
from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime as directory_runtime
from services.directory.settings import DirectorySettings
from services.documents import (
    DocumentKind,
    SourceData,
    assistant_names,
    render_html,
    render_pdf,
)
from services.documents.texts import long_date
from services.referrals.api import build_api as referrals_api
from services.referrals.bootstrap import build_runtime as referrals_runtime
from services.referrals.settings import ReferralsSettings
from shared.domain.clock import FixedClock
from shared.events import Envelope
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token
from tests.documents.conftest import first_page_png, pdf_text

OCHOTA = "1465068"
START_DAYS_AGO = 200


def _auth(role: Role, subject: str = "t") -> dict[str, str]:
    districts = ("*",) if role in (Role.ADMIN, Role.SERVICE) else (OCHOTA,)
    return {"Authorization": f"Bearer {token(role, districts, subject=subject)}"}


class Services:
    def __init__(
        self,
        runtimes: dict[str, ServiceRuntime],
        clients: dict[str, Any],
        casework: CaseworkApp,
    ) -> None:
        self.runtimes = runtimes
        self.clients: dict[str, httpx.AsyncClient] = clients
        self.casework = casework

    async def call(
        self, service: str, method: str, path: str, who: dict[str, str], **kwargs: Any
    ) -> Any:
        response = await self.clients[service].request(method, path, headers=who, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    async def deliver(self, source: str) -> None:
        """What casework's worker does with another service's stream, without Redis."""
        feed = await self.call(source, "GET", "/events", _auth(Role.SERVICE, "casework"))
        for item in feed["events"]:
            await react(Envelope.model_validate(item), self.casework.runner)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    def url(name: str) -> str:
        return f"sqlite+aiosqlite:///{tmp_path}/{name}.db"

    runtimes = {
        # The referral was decided 200 days ago: the case's work fills the time since.
        "referrals": referrals_runtime(
            ReferralsSettings(database_url=url("referrals")),
            clock=FixedClock(datetime.now(UTC) - timedelta(days=START_DAYS_AGO)),
        ),
        "directory": directory_runtime(DirectorySettings(database_url=url("directory"))),
    }
    casework = casework_app(CaseworkSettings(database_url=url("casework")))
    runtimes["casework"] = casework.runtime
    builders = {
        "referrals": referrals_api,
        "directory": directory_api,
        "casework": lambda _runtime, **kw: casework_api(casework, **kw),
    }
    for runtime in runtimes.values():
        await runtime.start(relay=False, worker=False)
    clients = {
        name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=builders[name](runtime, run_relay=False)),
            base_url=f"http://{name}",
        )
        for name, runtime in runtimes.items()
    }
    yield Services(runtimes, clients, casework)
    for client in clients.values():
        await client.aclose()
    for runtime in runtimes.values():
        await runtime.stop()


@dataclass(frozen=True)
class WorkedCase:
    case_id: str
    referral_id: str
    family_id: str
    assistant: dict[str, str]  # the assistant's bearer header
    assistant_id: str
    data: SourceData
    start: date
    today: date


async def sources(services: Services, case_id: str, referral_id: str) -> SourceData:
    """What the web app fetches for a document, as the head."""
    head = _auth(Role.HEAD, "anna.nowak")
    return SourceData(
        case=await services.call("casework", "GET", f"/cases/{case_id}", head),
        referral=await services.call("referrals", "GET", f"/referrals/{referral_id}", head),
        people={
            **assistant_names(
                await services.call(
                    "directory", "GET", "/assistants", head, params={"district": OCHOTA}
                )
            ),
            "head:anna.nowak": "Anna Nowak",
        },
    )


async def work_a_case(services: Services) -> WorkedCase:
    """A family referred, granted, assigned, worked with (consent, plan, visits, assessment,
    a court's opinion) and closed, each step through the services' routes."""
    today = services.runtimes["casework"].clock.today()
    start = services.runtimes["referrals"].clock.today()
    worker, head = _auth(Role.SOCIAL_WORKER, "jan.kos"), _auth(Role.HEAD, "anna.nowak")

    referral = await services.call(
        "referrals",
        "POST",
        "/referrals",
        worker,
        json={
            "district": OCHOTA,
            "source": "social_worker",
            "members": [
                {
                    "role": "parent",
                    "first_name": "Bożena",
                    "last_name": "Świątek-Źrebiec",
                    "pesel": pesel(date(1990, 5, 17), 481, female=True),
                },
                {
                    "role": "child",
                    "first_name": "Michał",
                    "last_name": "Świątek-Źrebiec",
                    "pesel": pesel(date(2016, 9, 2), 482, female=False),
                },
            ],
            "reason": "Trudności wychowawcze i zaległości w opłatach.",
        },
    )
    referral_id = referral["referral_id"]
    await services.call(
        "referrals",
        "POST",
        f"/referrals/{referral_id}/decision",
        head,
        json={
            "decision": "granted",
            "reason": "Rodzina chce współpracować; dzieci potrzebują wsparcia w nauce.",
        },
    )
    assistant = await services.call(
        "directory",
        "POST",
        "/assistants",
        _auth(Role.ADMIN),
        json={
            "first_name": "Ewa",
            "last_name": "Kaczmarczyk",
            "district": OCHOTA,
            "employment_form": "employment_contract",
        },
    )
    await services.deliver("directory")
    await services.deliver("referrals")
    cases = await services.call(
        "casework", "GET", "/cases", head, params={"referral_id": referral_id}
    )
    case_id = cases[0]["case_id"]

    await services.call(
        "casework",
        "POST",
        f"/cases/{case_id}/assignment",
        head,
        json={"assistant_id": assistant["assistant_id"]},
    )
    # The assistant's token names the assistant by the directory's id, as casework expects.
    me = _auth(Role.ASSISTANT, assistant["assistant_id"])
    steps: list[tuple[str, dict[str, Any]]] = [
        ("consent", {"given_on": start.isoformat(), "signed_by": ["Bożena Świątek-Źrebiec"]}),
        (
            "plan",
            {
                "actions": [
                    {
                        "description": "Codzienna pomoc Michałowi w odrabianiu lekcji.",
                        "deadline": (start + timedelta(days=90)).isoformat(),
                        "expected_effect": "Oceny Michała co najmniej dostateczne.",
                    }
                ],
                "agreed_with_social_worker": "Jan Kos",
            },
        ),
    ]
    for week in range(3):
        steps.append(
            (
                "visits",
                {
                    "visited_on": (start + timedelta(days=7 * week + 2)).isoformat(),
                    "duration_minutes": 75,
                    "topics": ["school", "budget"],
                    "present": ["Bożena"],
                    "note": f"Wizyta {week + 1}: zeszyt wydatków, lekcje z Michałem.",
                },
            )
        )
    steps += [
        (
            "assessments",
            {
                # Work began when the assistant was assigned (today, on casework's clock).
                "assessed_on": today.isoformat(),
                "summary": "Widać poprawę: rachunki opłacone, Michał zdał poprawkę.",
            },
        ),
        (
            "court-opinions",
            {
                "court_name": "Sąd Rejonowy dla Warszawy-Mokotowa, III Wydział Rodzinny",
                "case_signature": "III Nsm 77/26",
                "requested_on": (start + timedelta(days=40)).isoformat(),
                "deadline": (start + timedelta(days=60)).isoformat(),
            },
        ),
    ]
    for path, body in steps:
        who = head if path == "court-opinions" else me
        method = "PUT" if path == "plan" else "POST"
        await services.call("casework", method, f"/cases/{case_id}/{path}", who, json=body)
    case = await services.call("casework", "GET", f"/cases/{case_id}", head)
    request_id = case["court_opinions"][0]["request_id"]
    await services.call(
        "casework",
        "POST",
        f"/cases/{case_id}/court-opinions/{request_id}/submission",
        me,
        json={
            "submitted_on": (start + timedelta(days=50)).isoformat(),
            "summary": "Matka dba o dzieci; nie ma przesłanek do ingerencji sądu.",
        },
    )
    await services.call(
        "casework",
        "POST",
        f"/cases/{case_id}/closure",
        head,
        json={"reason": "goals_achieved", "note": "Cele osiągnięte."},
    )
    data = await sources(services, case_id, referral_id)
    assert data.case is not None
    return WorkedCase(
        case_id=case_id,
        referral_id=referral_id,
        family_id=str(data.case["family_id"]),
        assistant=me,
        assistant_id=assistant["assistant_id"],
        data=data,
        start=start,
        today=today,
    )


async def test_a_case_worked_through_the_services_prints_every_document(
    services: Services,
) -> None:
    worked = await work_a_case(services)
    data, start, today = worked.data, worked.start, worked.today

    expected = {
        # AssistanceGranted keeps no justification (only ReferralDeclined has a reason), so
        # the services answer "" for a grant's reason and the decision says none was given.
        DocumentKind.DECISION: [
            "Decyzja o przydzieleniu",
            f"Data decyzji {long_date(start)}",
            "Decyzję podjął(a) Anna Nowak",
        ],
        DocumentKind.ASSIGNMENT_LETTER: ["jest Ewa Kaczmarczyk", long_date(today)],
        DocumentKind.CONSENT_FORM: [f"odnotowana {long_date(start)}"],
        DocumentKind.WORK_PLAN: [
            "wersja 1",
            "Codzienna pomoc Michałowi",
            long_date(start + timedelta(days=90)),
        ],
        DocumentKind.VISIT_DIARY: ["Liczba wizyt: 3; łączny czas: 3 godz. 45 min", "Wizyta 3:"],
        DocumentKind.ASSESSMENT: ["Michał zdał poprawkę", f"Data oceny {long_date(today)}"],
        DocumentKind.COURT_OPINION: ["III Nsm 77/26", "nie ma przesłanek do ingerencji"],
        DocumentKind.CLOSURE_NOTE: ["osiągnięcie celów", "Liczba wizyt 3"],
        DocumentKind.CASE_FILE: [
            "Spis treści",
            "Historia sprawy",
            "Anna Nowak Decyzja: przydzielono asystenta",
            "Wyznaczenie asystenta: Ewa Kaczmarczyk",
        ],
    }
    for kind, phrases in expected.items():
        pdf = render_pdf(kind, data, issued_by="Anna Nowak", issued_on=today)
        text = pdf_text(pdf)
        for phrase in [*phrases, "Bożena Świątek-Źrebiec", f"Warszawa, {long_date(today)}"]:
            assert phrase in text, f"{kind}: {phrase!r}"
        assert "[usunięto]" not in text
        html = render_html(kind, data, issued_by="Anna Nowak", issued_on=today)
        assert "Bożena Świątek-Źrebiec" in html
    first_page_png(
        render_pdf(DocumentKind.CASE_FILE, data, issued_by="Anna Nowak", issued_on=today),
        "case_file_from_services",
    )


async def test_each_document_issued_is_on_the_owning_services_audit_trail(
    services: Services,
) -> None:
    worked = await work_a_case(services)
    head = _auth(Role.HEAD, "anna.nowak")
    casework, referrals = services.clients["casework"], services.clients["referrals"]
    issued = {"kind": "work_plan"}
    path = f"/cases/{worked.case_id}/documents"

    answer = await casework.post(path, json=issued, headers=worked.assistant)
    assert answer.status_code == 204, answer.text
    answer = await referrals.post(
        f"/referrals/{worked.referral_id}/documents", json={"kind": "decision"}, headers=head
    )
    assert answer.status_code == 204, answer.text
    # Whoever may not read the family's file may not record a document of it either.
    for role in (Role.CITY_ANALYST, Role.SCHOOL, Role.COURT, Role.ADMIN):
        refused = await casework.post(path, json=issued, headers=_auth(role))
        assert refused.status_code == 403, (role, refused.status_code)
    unknown = await casework.post(path, json={"kind": "love_letter"}, headers=head)
    assert unknown.status_code == 422 and "rodzaj dokumentu" in unknown.text

    trail = await services.call(
        "casework", "GET", "/audit", head, params={"family_id": worked.family_id}
    )
    documents = [e for e in trail if e["action"].startswith("document.")]
    assert [(e["action"], e["role"], e["writes"]) for e in documents] == [
        ("document.work_plan", "assistant", False)
    ]
    assert documents[0]["subject"] == worked.assistant_id
    assert documents[0]["resource_id"] == worked.case_id
    assert documents[0]["route"] == "POST /cases/{case_id}/documents"
    decision = [
        e
        for e in await services.call(
            "referrals", "GET", "/audit", head, params={"family_id": worked.family_id}
        )
        if e["action"] == "document.decision"
    ]
    assert [(e["subject"], e["role"]) for e in decision] == [("anna.nowak", "head")]


async def erase(services: Services, family_id: str) -> None:
    """The administrator erases the family; casework destroys its key on the event, as its
    worker would."""
    await services.call(
        "referrals",
        "POST",
        f"/families/{family_id}/erasure",
        _auth(Role.ADMIN),
        json={"reason": "Upływ okresu przechowywania dokumentacji."},
    )
    feed = await services.call("referrals", "GET", "/events", _auth(Role.SERVICE, "casework"))
    erased = [Envelope.model_validate(e) for e in feed["events"]]
    erased = [e for e in erased if e.event_type == "FamilyDataErased"]
    assert erased
    casework = services.runtimes["casework"]
    handler = next(iter(casework.subscriptions.values()))
    for envelope in erased:
        async with casework.engine.begin() as conn:
            await handler(conn, envelope)


async def test_an_erased_familys_documents_print_usunieto_and_keep_dates_and_counts(
    services: Services,
) -> None:
    worked = await work_a_case(services)
    await erase(services, worked.family_id)
    data = await sources(services, worked.case_id, worked.referral_id)
    for kind in DocumentKind:
        text = pdf_text(render_pdf(kind, data, issued_by="Anna Nowak", issued_on=worked.today))
        assert "[usunięto]" in text, kind
        for personal in ("Bożena", "Świątek", "Michał", "Trudności wychowawcze", "Wizyta 1:"):
            assert personal not in text, (kind, personal)
        html = render_html(kind, data, issued_by="Anna Nowak", issued_on=worked.today)
        assert "Świątek" not in html and "[usunięto]" in html
    # What is not personal stays: the dates, the counts, the people of the centre.
    diary = pdf_text(
        render_pdf(DocumentKind.VISIT_DIARY, data, issued_by="A", issued_on=worked.today)
    )
    assert "Liczba wizyt: 3; łączny czas: 3 godz. 45 min" in diary
    case_file = render_pdf(DocumentKind.CASE_FILE, data, issued_by="A", issued_on=worked.today)
    assert "Wyznaczenie asystenta: Ewa Kaczmarczyk" in pdf_text(case_file)
    assert long_date(worked.start) in pdf_text(case_file)
    first_page_png(case_file, "case_file_erased_from_services")
