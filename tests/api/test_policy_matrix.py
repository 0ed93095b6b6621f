"""The access matrix as data, written here and not read from the code under test: every route
of the four services, called as every role with a token of the resource's district ("in") and
of another district ("out"), and the answer each must give.

- "403": the role may not do this, or may not ask for that district;
- "404": the resource is hidden (another district's case, referral, assistant or family;
  another assistant's family; a notification someone else sent);
- "ok": authorization lets the request through: a read answers 2xx, a write (sent with an
  empty body) 2xx, 409 or 422, never 401, 403, 404 or 5xx.
A role a route does not list gets 403 in and out. A test also checks that the matrix names
exactly the routes the services expose, so a new route cannot go untested."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from services.casework.api import build_api as casework_api
from services.casework.application.device_records import receive_device_record
from services.casework.application.handlers import assign_assistant
from services.casework.application.reactions import react
from services.casework.bootstrap import CaseworkApp
from services.casework.bootstrap import build_app as casework_app
from services.casework.domain.case.commands import AssignAssistant
from services.casework.domain.device.commands import ReceiveDeviceRecord
from services.casework.settings import CaseworkSettings
from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime as directory_runtime
from services.directory.settings import DirectorySettings
from services.referrals.api import build_api as referrals_api
from services.referrals.bootstrap import build_runtime as referrals_runtime
from services.referrals.settings import ReferralsSettings
from services.reporting.api import build_api as reporting_api
from services.reporting.bootstrap import build_reporting
from services.reporting.settings import ReportingSettings
from shared.domain.clock import poland_today
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    DeviceRecordContent,
    DeviceRecordKind,
)
from shared.eventstore import EventMetadata
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token
from tests.events import envelope_of

OCHOTA, WOLA = "1465068", "1465188"
SCHOOL, COURT = "123456785", "SR-Ochota"


OK, FORBIDDEN, HIDDEN = "ok", "403", "404"
Outcome = tuple[str, str]  # (in district, out of district)
OK_403: Outcome = (OK, FORBIDDEN)  # a district asked for in the query
OK_404: Outcome = (OK, HIDDEN)  # a resource of a district
OK_OK: Outcome = (OK, OK)  # nothing of a district: the role alone decides
DISTRICT = {"district": OCHOTA}


@dataclass(frozen=True)
class Expected:
    service: str
    method: str
    path: str
    query: dict[str, str]
    by_role: dict[Role, Outcome]

    def outcome(self, role: Role, own: bool) -> str:
        allowed = self.by_role.get(role, (FORBIDDEN, FORBIDDEN))
        return allowed[0] if own else allowed[1]

    @property
    def id(self) -> str:
        # A route listed again with a search parameter gets its own id.
        searched = sorted(set(self.query) - {"district"})
        return f"{self.service}:{self.method}:{self.path}" + (
            "?" + "&".join(searched) if searched else ""
        )


def route(
    service: str,
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    /,
    **by_role: Outcome,  # keyed by role: `service=` is the role, not the service
) -> Expected:
    return Expected(
        service, method, path, query or {}, {Role(name): o for name, o in by_role.items()}
    )


MATRIX = [
    # casework: an assistant works only on the families assigned to them (the token's
    # assistant is the case's); another district's case is hidden.
    route(
        "casework",
        "GET",
        "/cases",
        DISTRICT,
        head=OK_403,
        assistant=OK_403,
        social_worker=OK_403,
        admin=OK_403,
    ),
    # Search by surname and by PESEL: scoped exactly like the list; no one else gets names.
    # The administrator finds a family for its audit trail or its erasure.
    route(
        "casework",
        "GET",
        "/cases",
        {**DISTRICT, "q": "kowal"},
        head=OK_403,
        assistant=OK_403,
        social_worker=OK_403,
        admin=OK_403,
    ),
    route(
        "casework",
        "GET",
        "/cases",
        {**DISTRICT, "pesel": pesel(date(1990, 1, 1), 7, female=True)},
        head=OK_403,
        assistant=OK_403,
        social_worker=OK_403,
        admin=OK_403,
    ),
    route("casework", "GET", "/waiting-list", DISTRICT, head=OK_403, social_worker=OK_403),
    route(
        "casework",
        "GET",
        "/waiting-list",
        {**DISTRICT, "q": "kowal"},
        head=OK_403,
        social_worker=OK_403,
    ),
    route(
        "casework", "GET", "/cases/{case_id}", head=OK_404, assistant=OK_404, social_worker=OK_404
    ),
    route("casework", "POST", "/cases/{case_id}/assignment", head=OK_404),
    route("casework", "POST", "/cases/{case_id}/consent", head=OK_404, assistant=OK_404),
    route("casework", "POST", "/cases/{case_id}/visits", assistant=OK_404),
    route("casework", "PUT", "/cases/{case_id}/plan", assistant=OK_404),
    route("casework", "POST", "/cases/{case_id}/assessments", assistant=OK_404),
    route("casework", "GET", "/assessments/overdue", DISTRICT, head=OK_403),
    route("casework", "POST", "/cases/{case_id}/court-opinions", head=OK_404, assistant=OK_404),
    route(
        "casework",
        "POST",
        "/cases/{case_id}/court-opinions/{request_id}/submission",
        assistant=OK_404,
    ),
    route("casework", "GET", "/court-opinions", DISTRICT, head=OK_403, assistant=OK_403),
    route("casework", "POST", "/cases/{case_id}/closure", head=OK_404),
    route("casework", "POST", "/cases/{case_id}/reopening", head=OK_404, assistant=OK_404),
    route("casework", "POST", "/cases/{case_id}/transfer", head=OK_404),
    route("casework", "POST", "/cases/{case_id}/transfer/decision", head=OK_404),
    route("casework", "GET", "/assistants/capacity", DISTRICT, head=OK_403),
    route("casework", "GET", "/retention", head=OK_OK, admin=OK_OK),
    route("casework", "GET", "/audit", head=OK_OK, admin=OK_OK),
    # A document printed from a case: whoever may read the case file; never the city analyst,
    # a school or a court.
    route(
        "casework",
        "POST",
        "/cases/{case_id}/documents",
        head=OK_404,
        assistant=OK_404,
        social_worker=OK_404,
    ),
    route("casework", "GET", "/events", service=OK_OK),
    # Records from an assistant's device: sent by the assistant; the review list is the
    # assistant's own or the head's district's; a held record is decided by its assistant or
    # the head of its district.
    route("casework", "POST", "/device-records", assistant=OK_OK),
    route("casework", "GET", "/device-records/held", DISTRICT, head=OK_403, assistant=OK_403),
    route(
        "casework",
        "POST",
        "/device-records/{record_id}/application",
        head=OK_404,
        assistant=OK_404,
    ),
    route("casework", "POST", "/device-records/{record_id}/discard", head=OK_404, assistant=OK_404),
    # referrals: a school or a court sends notifications and reads only what it sent.
    route("referrals", "POST", "/referrals", social_worker=OK_OK, head=OK_OK),
    route("referrals", "GET", "/referrals", DISTRICT, social_worker=OK_403, head=OK_403),
    route(
        "referrals",
        "GET",
        "/referrals",
        {**DISTRICT, "q": "kowal", "pesel": pesel(date(1990, 1, 1), 7, female=True)},
        social_worker=OK_403,
        head=OK_403,
    ),
    route("referrals", "GET", "/referrals/{referral_id}", social_worker=OK_404, head=OK_404),
    route("referrals", "POST", "/referrals/{referral_id}/interview", social_worker=OK_404),
    route("referrals", "POST", "/referrals/{referral_id}/decision", head=OK_404),
    route("referrals", "POST", "/notifications/school", school=OK_OK),
    route("referrals", "POST", "/notifications/court", court=OK_OK),
    route(
        "referrals",
        "GET",
        "/notifications/{notification_id}",
        school=OK_OK,  # the school that sent it, whatever districts its token names
        court=(HIDDEN, HIDDEN),  # a court did not send it
        head=OK_404,
    ),
    route("referrals", "POST", "/families/{family_id}/erasure", admin=OK_404),
    route("referrals", "GET", "/audit", head=OK_OK, admin=OK_OK),
    route(
        "referrals", "POST", "/referrals/{referral_id}/documents", social_worker=OK_404, head=OK_404
    ),
    route("referrals", "GET", "/events", service=OK_OK),
    # directory: staff read their district's assistants (README: another district's
    # assistant answers 404); institutions are public to staff and the city's analyst.
    route(
        "directory",
        "POST",
        "/assistants",
        head=OK_OK,
        admin=OK_OK,
    ),
    route(
        "directory",
        "GET",
        "/assistants",
        DISTRICT,
        social_worker=OK_403,
        assistant=OK_403,
        head=OK_403,
        admin=OK_403,
    ),
    route(
        "directory",
        "GET",
        "/assistants/{assistant_id}",
        social_worker=OK_404,
        assistant=OK_404,
        head=OK_404,
        admin=OK_404,
    ),
    route("directory", "PUT", "/assistants/{assistant_id}/employment", head=OK_404, admin=OK_404),
    # Only an administrator links an assistant to the login they sign in with.
    route("directory", "PUT", "/assistants/{assistant_id}/login", admin=OK_404),
    # And sets the address their daily digest goes to.
    route("directory", "PUT", "/assistants/{assistant_id}/email", admin=OK_404),
    # "Who am I" for an assistant's token: the world's assistant works in casework only (no
    # record in this directory), so it is not found; every other role is refused.
    route("directory", "GET", "/assistants/me", assistant=(HIDDEN, HIDDEN)),
    route(
        "directory", "POST", "/assistants/{assistant_id}/deactivation", head=OK_404, admin=OK_404
    ),
    route(
        "directory", "POST", "/assistants/{assistant_id}/reactivation", head=OK_404, admin=OK_404
    ),
    route("directory", "POST", "/institutions", head=OK_OK, admin=OK_OK),
    route(
        "directory",
        "GET",
        "/institutions",
        social_worker=OK_OK,
        assistant=OK_OK,
        head=OK_OK,
        admin=OK_OK,
        city_analyst=OK_OK,
    ),
    route(
        "directory",
        "GET",
        "/institutions/{institution_id}",
        social_worker=OK_OK,
        assistant=OK_OK,
        head=OK_OK,
        admin=OK_OK,
        city_analyst=OK_OK,
    ),
    route("directory", "PUT", "/institutions/{institution_id}", head=OK_404, admin=OK_404),
    route("directory", "PATCH", "/institutions/{institution_id}", head=OK_404, admin=OK_404),
    route("directory", "POST", "/institutions/{institution_id}/closure", head=OK_404, admin=OK_404),
    route("directory", "GET", "/events", service=OK_OK),
    # reporting: a centre reads its own district; the city's analyst reads aggregates.
    route("reporting", "GET", "/reports/caseload", DISTRICT, head=OK_403, social_worker=OK_403),
    route("reporting", "GET", "/reports/operational", DISTRICT, head=OK_403, social_worker=OK_403),
    route("reporting", "GET", "/reports/outcomes", DISTRICT, head=OK_403, city_analyst=OK_403),
    route(
        "reporting",
        "GET",
        "/reports/statutory",
        {**DISTRICT, "year": "2026", "half": "1"},
        head=OK_403,
        city_analyst=OK_403,
    ),
    route("reporting", "GET", "/reports/city", city_analyst=OK_OK),
    # reporting's task lists: the caller's own (an assistant's families, a head's districts).
    route("reporting", "GET", "/tasks", assistant=OK_OK, head=OK_OK, admin=OK_OK),
    route("reporting", "GET", "/tasks/summary", assistant=OK_OK, head=OK_OK, admin=OK_OK),
    # Every service: the operator's (administrator's) dead letters of its own group. The world
    # runs without Redis: the list is empty, and a dead letter named by id is not found.
    *(
        entry
        for service in ("casework", "referrals", "directory", "reporting")
        for entry in (
            route(service, "GET", "/dead-letters", admin=OK_OK),
            route(service, "POST", "/dead-letters/replay", admin=OK_OK),
            route(service, "POST", "/dead-letters/{entry_id}/replay", admin=(HIDDEN, HIDDEN)),
            route(service, "DELETE", "/dead-letters/{entry_id}", admin=(HIDDEN, HIDDEN)),
        )
    ),
]


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    # FastAPI 0.16x keeps included routers as wrappers; none of ours has a prefix.
    found: list[APIRoute] = []
    for route_ in routes:
        if isinstance(route_, APIRoute):
            found.append(route_)
        elif hasattr(route_, "original_router"):
            found += _api_routes(route_.original_router.routes)
    return found


def _reporting(url: str) -> tuple[ServiceRuntime, FastAPI]:
    reporting = build_reporting(ReportingSettings(database_url=url))
    return reporting.runtime, reporting_api(reporting, run_relay=False)


def _service(
    build: Callable[[], ServiceRuntime], api: Callable[..., FastAPI]
) -> tuple[ServiceRuntime, FastAPI]:
    runtime = build()
    return runtime, api(runtime, run_relay=False)


# Casework's routes take its typed composition root; the world finds it again by its runtime.
CASEWORK_APPS: dict[int, CaseworkApp] = {}


def _casework(url: str) -> tuple[ServiceRuntime, FastAPI]:
    app = casework_app(CaseworkSettings(database_url=url))
    CASEWORK_APPS[id(app.runtime)] = app
    return app.runtime, casework_api(app, run_relay=False)


# Each service's runtime and API on a database URL, as its entry point builds them.
SERVICES: dict[str, Callable[[str], tuple[ServiceRuntime, FastAPI]]] = {
    "casework": _casework,
    "referrals": lambda url: _service(
        lambda: referrals_runtime(ReferralsSettings(database_url=url)), referrals_api
    ),
    "directory": lambda url: _service(
        lambda: directory_runtime(DirectorySettings(database_url=url)), directory_api
    ),
    "reporting": _reporting,
}


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    runtimes: dict[str, ServiceRuntime]
    ids: dict[str, str]
    assistant_id: str


async def _build_world(tmp: Path) -> World:
    built = {
        name: build(f"sqlite+aiosqlite:///{tmp}/{name}.db") for name, build in SERVICES.items()
    }
    runtimes = {name: runtime for name, (runtime, _) in built.items()}
    for runtime in runtimes.values():
        await runtime.start(relay=False, worker=False)
    apps = {name: app for name, (_, app) in built.items()}
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        for name, app in apps.items()
    }
    head = {"Authorization": f"Bearer {token(Role.HEAD, (OCHOTA,))}"}
    ids: dict[str, str] = {"entry_id": "1733400000000-0"}

    # casework: a case of Ochota, worked on by one assistant
    assistant_id = uuid.uuid4()
    casework = CASEWORK_APPS[id(runtimes["casework"])]
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    referral_id = uuid.uuid4()
    granted = AssistanceGranted(
        family_id=uuid.uuid4(),
        source="social_worker",
        obligatory=False,
        decided_on=poland_today(),
        members=(
            {
                "role": "parent",
                "first_name": "Anna",
                "last_name": "Test",
                "pesel": pesel(date(1990, 1, 1), 11, female=True),
            },
        ),
    )
    await react(envelope_of(registered, "assistant", assistant_id), casework.runner)
    await react(envelope_of(granted, "referral", referral_id), casework.runner)
    case = (
        await clients["casework"].get(
            "/cases", params={"referral_id": str(referral_id)}, headers=head
        )
    ).json()[0]
    ids["case_id"] = case["case_id"]
    await casework.runner.run(
        assign_assistant,
        AssignAssistant(case_id=uuid.UUID(case["case_id"]), assistant_id=assistant_id),
        EventMetadata(actor="t", correlation_id="c"),
    )
    ids["request_id"] = str(uuid.uuid4())
    # A record from the assistant's device, dated before the case began: held for review.
    record_id = uuid.uuid4()
    await casework.runner.run(
        receive_device_record,
        ReceiveDeviceRecord(
            record_id=record_id,
            device_id="tablet",
            case_id=uuid.UUID(case["case_id"]),
            case_version=1,
            assistant_id=assistant_id,
            content=DeviceRecordContent(
                kind=DeviceRecordKind.PLAN_NOTE, happened_on=date(2020, 1, 1), note="Notatka"
            ),
        ),
        EventMetadata(actor="t", correlation_id="c"),
    )
    ids["record_id"] = str(record_id)

    # referrals: a referral of Ochota, and a school's notification
    worker = {"Authorization": f"Bearer {token(Role.SOCIAL_WORKER, (OCHOTA,))}"}
    referral = (
        await clients["referrals"].post(
            "/referrals",
            headers=worker,
            json={
                "district": OCHOTA,
                "source": "family",
                "members": [
                    {
                        "role": "parent",
                        "first_name": "Jan",
                        "last_name": "Test",
                        "pesel": pesel(date(1985, 2, 2), 12, female=False),
                    }
                ],
            },
        )
    ).json()
    ids["referral_id"] = referral["referral_id"]
    ids["family_id"] = referral["family_id"]
    school = {"Authorization": f"Bearer {token(Role.SCHOOL, (OCHOTA,), subject=SCHOOL)}"}
    notification = (
        await clients["referrals"].post(
            "/notifications/school",
            headers=school,
            json={
                "school": {"regon": SCHOOL, "name": "SP 1"},
                "reference": "1",
                "district": OCHOTA,
                "pupil": {
                    "role": "child",
                    "first_name": "Ola",
                    "last_name": "Test",
                    "pesel": pesel(date(2015, 3, 3), 13, female=True),
                },
                "problem": "school_duty_absence",
            },
        )
    ).json()
    ids["notification_id"] = notification["notification_id"]

    # directory: an assistant and an institution of Ochota
    admin = {"Authorization": f"Bearer {token(Role.ADMIN)}"}
    assistant = (
        await clients["directory"].post(
            "/assistants",
            headers=admin,
            json={
                "first_name": "Ewa",
                "last_name": "Test",
                "district": OCHOTA,
                "employment_form": "employment_contract",
            },
        )
    ).json()
    ids["assistant_id"] = assistant["assistant_id"]
    institution = (
        await clients["directory"].post(
            "/institutions",
            headers=admin,
            json={
                "name": "Poradnia",
                "category": "family_counselling",
                "regon": "123456785",
                "address": {"street": "Grójecka 1", "postal_code": "02-001", "city": "Warszawa"},
                "district": OCHOTA,
            },
        )
    ).json()
    ids["institution_id"] = institution["institution_id"]
    return World(clients, runtimes, ids, str(assistant_id))


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    built = await _build_world(tmp_path_factory.mktemp("policy"))
    yield built
    for client in built.clients.values():
        await client.aclose()
    for runtime in built.runtimes.values():
        await runtime.stop()


def _subject(role: Role, world: World) -> str:
    return {Role.ASSISTANT: world.assistant_id, Role.SCHOOL: SCHOOL, Role.COURT: COURT}.get(
        role, f"{role.value}-user"
    )


def test_the_matrix_names_every_route_of_every_service() -> None:
    exposed = {
        (service, method, r.path)
        for service, build in SERVICES.items()
        for r in _api_routes(build("sqlite+aiosqlite://")[1].routes)
        if r.path not in ("/health", "/ready")
        for method in r.methods or ()
    }
    assert exposed == {(e.service, e.method, e.path) for e in MATRIX}


@pytest.mark.parametrize("expected", MATRIX, ids=lambda e: e.id)
async def test_every_role_in_and_out_of_district(expected: Expected, world: World) -> None:
    path = expected.path.format(**world.ids)
    wrong = []
    for role in Role:
        for own in (True, False):
            districts = (OCHOTA,) if own else (WOLA,)
            if role in (Role.CITY_ANALYST, Role.ADMIN, Role.SERVICE) and own:
                districts = ("*",)
            headers = {
                "Authorization": f"Bearer {token(role, districts, subject=_subject(role, world))}"
            }
            response = await world.clients[expected.service].request(
                expected.method,
                path,
                params=expected.query,
                headers=headers,
                json={} if expected.method in ("POST", "PUT", "PATCH") else None,
            )
            want = expected.outcome(role, own)
            got = response.status_code
            if want == OK:
                ok = got < 300 if expected.method == "GET" else got < 300 or got in (409, 422)
            else:
                ok = str(got) == want
            if not ok:
                wrong.append(
                    f"{role.value} {'in' if own else 'out'}: want {want}, got {got}"
                    f" {response.text[:120]}"
                )
    assert wrong == []


async def test_the_directory_lists_only_the_caller_s_districts(world: World) -> None:
    """Without a district asked for, a centre's staff list their own districts' assistants,
    not the city's; the administrator lists them all."""
    ochota = world.ids["assistant_id"]

    async def listed(role: Role, *districts: str) -> set[str]:
        headers = {"Authorization": f"Bearer {token(role, districts)}"}
        response = await world.clients["directory"].get("/assistants", headers=headers)
        assert response.status_code == 200, response.text
        return {row["assistant_id"] for row in response.json()}

    assert ochota in await listed(Role.HEAD, OCHOTA)
    assert ochota not in await listed(Role.HEAD, WOLA)
    assert ochota not in await listed(Role.SOCIAL_WORKER, WOLA)
    assert ochota in await listed(Role.ADMIN, "*")
