"""Generated from the policy tables: every route of every service, called as every role, with
a token of the resource's district and of another district. A role the table does not list
gets 403; another district's case, referral or assistant answers 404 (a district asked for in
the query: 403); another assistant's family or another school's notification answers 404;
everything else gets past authorization (2xx, or 4xx from the request's own content)."""

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
from services.casework.application.cases import assign_assistant
from services.casework.application.policies import CaseworkPolicies
from services.casework.bootstrap import build_runtime as casework_runtime
from services.casework.settings import CaseworkSettings
from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime as directory_runtime
from services.directory.settings import DirectorySettings
from services.referrals.api import build_api as referrals_api
from services.referrals.bootstrap import build_runtime as referrals_runtime
from services.referrals.settings import ReferralsSettings
from services.reporting.api import build_api as reporting_api
from services.reporting.bootstrap import build_runtime as reporting_runtime
from services.reporting.settings import ReportingSettings
from shared.events import AssistanceGranted, AssistantRegistered
from shared.eventstore import EventMetadata
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from shared.web.authorization import Policy
from suite.demo_data import pesel
from tests.conftest import token
from tests.events import envelope_of

OCHOTA, WOLA = "1465068", "1465188"
SCHOOL, COURT = "123456785", "SR-Ochota"


@dataclass(frozen=True)
class RouteCase:
    service: str
    method: str
    path: str
    action: str
    resource: str | None
    district_param: str | None


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    # FastAPI 0.16x keeps included routers as wrappers; none of ours has a prefix.
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


def _routes(service: str, app: FastAPI) -> list[RouteCase]:
    found = []
    for route in _api_routes(app.routes):
        if not isinstance(route, APIRoute) or route.path in ("/health", "/ready"):
            continue
        requirement = next(
            (d.call for d in route.dependant.dependencies if hasattr(d.call, "action")), None
        )
        assert requirement is not None, f"{service} {route.path} is not under the policy"
        for method in sorted(route.methods):
            found.append(
                RouteCase(
                    service,
                    method,
                    route.path,
                    requirement.action,
                    requirement.resource,
                    requirement.district_param,
                )
            )
    return found


BUILDERS: dict[str, Callable[[str], ServiceRuntime]] = {
    "casework": lambda url: casework_runtime(CaseworkSettings(database_url=url)),
    "referrals": lambda url: referrals_runtime(ReferralsSettings(database_url=url)),
    "directory": lambda url: directory_runtime(DirectorySettings(database_url=url)),
    "reporting": lambda url: reporting_runtime(ReportingSettings(database_url=url)),
}
APIS: dict[str, Callable[[ServiceRuntime], FastAPI]] = {
    "casework": lambda r: casework_api(r, run_relay=False),
    "referrals": lambda r: referrals_api(r, run_relay=False),
    "directory": lambda r: directory_api(r, run_relay=False),
    "reporting": lambda r: reporting_api(r, run_relay=False),
}
ROUTES = [
    case
    for service in APIS
    for case in _routes(service, APIS[service](BUILDERS[service]("sqlite+aiosqlite://")))
]


@dataclass
class World:
    clients: dict[str, httpx.AsyncClient]
    runtimes: dict[str, ServiceRuntime]
    ids: dict[str, str]
    assistant_id: str


async def _build_world(tmp: Path) -> World:
    runtimes = {
        name: build(f"sqlite+aiosqlite:///{tmp}/{name}.db") for name, build in BUILDERS.items()
    }
    for runtime in runtimes.values():
        await runtime.start(relay=False, worker=False)
    apps = {name: APIS[name](runtime) for name, runtime in runtimes.items()}
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        for name, app in apps.items()
    }
    head = {"Authorization": f"Bearer {token(Role.HEAD, (OCHOTA,))}"}
    ids: dict[str, str] = {}

    # casework: a case of Ochota, worked on by one assistant
    assistant_id = uuid.uuid4()
    policies = CaseworkPolicies(runtimes["casework"].store)
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
        decided_on=date.today(),
        members=(
            {
                "role": "parent",
                "first_name": "Anna",
                "last_name": "Test",
                "pesel": pesel(date(1990, 1, 1), 11, female=True),
            },
        ),
    )
    async with runtimes["casework"].transaction() as conn:
        await policies.on_directory_event(conn, envelope_of(registered, "assistant", assistant_id))
        await policies.on_referrals_event(conn, envelope_of(granted, "referral", referral_id))
    case = (
        await clients["casework"].get(
            "/cases", params={"referral_id": str(referral_id)}, headers=head
        )
    ).json()[0]
    ids["case_id"] = case["case_id"]
    await assign_assistant(
        runtimes["casework"],
        uuid.UUID(case["case_id"]),
        assistant_id=assistant_id,
        metadata=EventMetadata(actor="t", correlation_id="c"),
    )
    ids["request_id"] = str(uuid.uuid4())

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


def expected(route: RouteCase, role: Role, own_district: bool, policies: dict[str, Policy]) -> str:
    """'403', '404' or 'through' (authorization let the request pass)."""
    rule = policies[route.service].table[route.action]
    if role not in rule.roles:
        return "403"
    if route.resource is not None:
        if role in (Role.SCHOOL, Role.COURT):
            # Only the school that sent a notification reads it.
            mine = route.resource == "notification" and role is Role.SCHOOL
            return "through" if mine else "404"
        if not own_district:
            return "404"
        return "through"
    if route.district_param is not None and not own_district:
        return "403"
    return "through"


def _policies() -> dict[str, Policy]:
    from services.casework.access import POLICY as casework
    from services.directory.access import POLICY as directory
    from services.referrals.access import POLICY as referrals
    from services.reporting.access import POLICY as reporting

    return {
        "casework": casework,
        "referrals": referrals,
        "directory": directory,
        "reporting": reporting,
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.service}:{r.method}:{r.path}")
async def test_every_role_in_and_out_of_district(route: RouteCase, world: World) -> None:
    policies = _policies()
    path = route.path.format(**world.ids)
    params = {route.district_param: OCHOTA} if route.district_param else {}
    outcomes = []
    for role in Role:
        for own in (True, False):
            districts = (OCHOTA,) if own else (WOLA,)
            if role in (Role.CITY_ANALYST, Role.ADMIN, Role.SERVICE) and own:
                districts = ("*",)
            headers = {
                "Authorization": f"Bearer {token(role, districts, subject=_subject(role, world))}"
            }
            response = await world.clients[route.service].request(
                route.method,
                path,
                params=params,
                headers=headers,
                json={} if route.method in ("POST", "PUT", "PATCH") else None,
            )
            want = expected(route, role, own or "*" in districts, policies)
            got = str(response.status_code)
            if want == "through":
                ok = got not in ("401", "403", "404") and not got.startswith("5")
            else:
                ok = got == want
            if not ok:
                outcomes.append(
                    f"{role.value} {'in' if own else 'out'}: want {want}, got {got}"
                    f" {response.text[:120]}"
                )
    assert outcomes == []
