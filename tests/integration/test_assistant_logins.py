"""An assistant signs in as themself: the directory links their record to their login, and
casework (on PostgreSQL, fed by the directory's events through Redis) resolves a token whose
subject is that login to the assistant: they see their family, another assistant's login does
not, and a token whose subject is the assistant's id keeps working."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.casework.adapters.tables import assistant_logins, caseloads
from services.casework.api import build_api as casework_api
from services.casework.application.handlers import assign_assistant
from services.casework.application.reactions import case_id_for, react
from services.casework.bootstrap import CaseworkApp, build_app
from services.casework.domain.case.commands import AssignAssistant
from services.casework.settings import CaseworkSettings
from services.directory.api import build_api as directory_api
from services.directory.bootstrap import build_runtime
from services.directory.settings import DirectorySettings
from services.reporting.adapters.tables import assistant_logins as reporting_logins
from services.reporting.api import build_api as reporting_api
from services.reporting.bootstrap import ReportingApp, build_reporting
from services.reporting.settings import ReportingSettings
from shared.events import AssistanceGranted, FamilyMember
from shared.eventstore import EventMetadata
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import PG_HOST_URL, create_pg_database, drop_pg_database, token
from tests.events import envelope_of
from tests.integration.test_device_records import visit
from tests.waiting import eventually

pytestmark = pytest.mark.integration

OCHOTA = "1465068"
SETUP = EventMetadata(actor="test", correlation_id="setup")


@dataclass
class Centre:
    directory: Any
    directory_runtime: ServiceRuntime
    casework: CaseworkApp
    casework_api: Any
    reporting: ReportingApp
    reporting_api: Any

    def client(self, app: Any, role: Role, subject: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://service",
            headers={"Authorization": f"Bearer {token(role, (OCHOTA,), subject=subject)}"},
        )

    def admin(self) -> httpx.AsyncClient:
        return self.client(self.directory, Role.ADMIN, "admin")

    def assistant(self, subject: str) -> httpx.AsyncClient:
        return self.client(self.casework_api, Role.ASSISTANT, subject)

    async def logins(self) -> dict[str, uuid.UUID]:
        """The logins casework knows, once reporting knows the same."""
        async with self.casework.runtime.engine.connect() as conn:
            columns = (assistant_logins.c.login, assistant_logins.c.assistant_id)
            rows = {row.login: row.assistant_id for row in await conn.execute(select(*columns))}
        async with self.reporting.engine.connect() as conn:
            columns = (reporting_logins.c.login, reporting_logins.c.assistant_id)
            seen = {row.login: row.assistant_id for row in await conn.execute(select(*columns))}
        return rows if rows == seen else {}


@pytest.fixture
async def centre(redis_url: str, stream_prefix: str) -> AsyncIterator[Centre]:
    names = [await create_pg_database() for _ in range(3)]
    bus = {"REDIS_URL": redis_url, "ASYSTA_STREAM_PREFIX": stream_prefix}
    directory_runtime = build_runtime(
        DirectorySettings(database_url=f"{PG_HOST_URL}/{names[0]}", **bus)  # type: ignore[arg-type]
    )
    directory = directory_api(directory_runtime, run_relay=True)
    casework = build_app(
        CaseworkSettings(database_url=f"{PG_HOST_URL}/{names[1]}", **bus)  # type: ignore[arg-type]
    )
    reporting = build_reporting(
        ReportingSettings(database_url=f"{PG_HOST_URL}/{names[2]}", **bus)  # type: ignore[arg-type]
    )
    try:
        await directory_runtime.start(relay=True, worker=False)
        await casework.runtime.start(relay=False, worker=True)
        await reporting.runtime.start(relay=False, worker=True)
        yield Centre(
            directory,
            directory_runtime,
            casework,
            casework_api(casework, run_relay=False),
            reporting,
            reporting_api(reporting, run_relay=False),
        )
    finally:
        await reporting.runtime.stop()
        await casework.runtime.stop()
        await directory_runtime.stop()
        for name in names:
            await drop_pg_database(name)


async def _register(centre: Centre, first: str, last: str, login: str) -> uuid.UUID:
    async with centre.admin() as admin:
        answer = await admin.post(
            "/assistants",
            json={
                "first_name": first,
                "last_name": last,
                "district": OCHOTA,
                "employment_form": "employment_contract",
                "login": login,
            },
        )
    assert answer.status_code == 201, answer.text
    assert answer.json()["login"] == login.lower()
    return uuid.UUID(answer.json()["assistant_id"])


async def _family_with(casework: CaseworkApp, assistant_id: uuid.UUID) -> uuid.UUID:
    referral_id = uuid.uuid4()
    granted = AssistanceGranted(
        family_id=uuid.uuid4(),
        source="school",
        obligatory=False,
        decided_on=casework.clock.today(),
        members=(
            FamilyMember(
                role="parent",
                first_name="Anna",
                last_name="Grójecka",
                pesel=pesel(date(1988, 3, 4), 12, female=True),
            ),
        ),
    )
    await react(envelope_of(granted, "referral", referral_id, district=OCHOTA), casework.runner)
    case_id = case_id_for(referral_id)
    await casework.runner.run(
        assign_assistant, AssignAssistant(case_id=case_id, assistant_id=assistant_id), SETUP
    )
    return case_id


async def _sees(centre: Centre, subject: str, case_id: uuid.UUID) -> tuple[int, list[str]]:
    async with centre.assistant(subject) as assistant:
        one = await assistant.get(f"/cases/{case_id}")
        listed = await assistant.get("/cases", params={"district": OCHOTA})
    assert listed.status_code == 200, listed.text
    return one.status_code, [c["case_id"] for c in listed.json()]


async def test_an_assistant_signed_in_by_login_sees_their_family_and_no_one_elses(
    centre: Centre,
) -> None:
    anna = await _register(centre, "Anna", "Nowak", "Anna.Nowak")
    tomasz = await _register(centre, "Tomasz", "Zieliński", "tomasz.zielinski")

    async def caseloads_and_logins_arrived() -> bool:
        async with centre.casework.runtime.engine.connect() as conn:
            held = set((await conn.execute(select(caseloads.c.assistant_id))).scalars())
        return {anna, tomasz} <= held and len(await centre.logins()) == 2

    await eventually(caseloads_and_logins_arrived, what="the directory's events in casework")
    assert await centre.logins() == {"anna.nowak": anna, "tomasz.zielinski": tomasz}
    case_id = await _family_with(centre.casework, anna)

    assert await _sees(centre, "anna.nowak", case_id) == (200, [str(case_id)])
    # The provider may send the login in another case.
    assert await _sees(centre, "ANNA.NOWAK", case_id) == (200, [str(case_id)])
    assert await _sees(centre, "tomasz.zielinski", case_id) == (404, [])
    async with centre.assistant("nobody.here") as stranger:
        for path in (f"/cases/{case_id}", "/cases"):
            refused = await stranger.get(path)
            assert refused.status_code == 403, refused.text
            assert refused.json()["title"] == "Login niepowiązany z asystentem"
    # A development token naming the assistant by id works as before.
    assert await _sees(centre, str(anna), case_id) == (200, [str(case_id)])
    # A visit sent from the field-work page's outbox with the login's token is hers.
    async with centre.assistant("anna.nowak") as assistant:
        sent = await assistant.post(
            "/device-records", json={"records": [visit(case_id, days_ago=0)]}
        )
    assert sent.status_code == 200, sent.text
    assert [r["outcome"] for r in sent.json()] == ["applied"]

    # Reporting resolves the login too: Anna's own task list; a stranger's token is refused.
    async with centre.client(centre.reporting_api, Role.ASSISTANT, "anna.nowak") as anna_r:
        assert (await anna_r.get("/tasks")).status_code == 200
    async with centre.client(centre.reporting_api, Role.ASSISTANT, "nobody.here") as stranger:
        assert (await stranger.get("/tasks")).status_code == 403

    # The administrator gives Anna another login: the old one opens nothing any more.
    async with centre.admin() as admin:
        changed = await admin.put(f"/assistants/{anna}/login", json={"login": "a.nowak"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["login"] == "a.nowak"

    async def new_login_arrived() -> bool:
        return await centre.logins() == {"a.nowak": anna, "tomasz.zielinski": tomasz}

    await eventually(new_login_arrived, what="the change of login in casework")
    assert await _sees(centre, "a.nowak", case_id) == (200, [str(case_id)])
    async with centre.assistant("anna.nowak") as old_login:
        assert (await old_login.get("/cases")).status_code == 403


async def test_a_login_is_one_assistants_and_only_an_administrator_changes_it(
    centre: Centre,
) -> None:
    anna = await _register(centre, "Anna", "Nowak", "anna.nowak")
    tomasz = await _register(centre, "Tomasz", "Zieliński", "tomasz.zielinski")
    async with centre.admin() as admin:
        duplicate = await admin.post(
            "/assistants",
            json={
                "first_name": "Anna",
                "last_name": "Nowakowska",
                "district": OCHOTA,
                "employment_form": "employment_contract",
                "login": "anna.nowak",
            },
        )
        taken = await admin.put(f"/assistants/{tomasz}/login", json={"login": "ANNA.NOWAK"})
        bad = await admin.put(f"/assistants/{tomasz}/login", json={"login": "tomasz zieliński"})
        unlinked = await admin.put(f"/assistants/{tomasz}/login", json={"login": None})
    for refused in (duplicate, taken):
        assert refused.status_code == 409, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["type"].endswith("/login-taken")
        assert problem["title"] == "Login już zajęty"
        assert "anna.nowak" in problem["detail"]
    assert bad.status_code == 422, bad.text
    assert "login" in bad.text
    assert unlinked.status_code == 200 and unlinked.json()["login"] is None
    async with centre.client(centre.directory, Role.HEAD, "head-ochota") as head:
        by_head = await head.put(f"/assistants/{anna}/login", json={"login": "x.y"})
        listed = await head.get("/assistants", params={"district": OCHOTA})
    assert by_head.status_code == 403, by_head.text
    assert {a["login"] for a in listed.json()} == {"anna.nowak", None}

    # The directory itself resolves a login: "who am I" for the web app's sign-in.
    async with centre.client(centre.directory, Role.ASSISTANT, "anna.nowak") as me:
        answer = await me.get("/assistants/me")
    assert answer.status_code == 200 and answer.json()["assistant_id"] == str(anna)
    async with centre.client(centre.directory, Role.ASSISTANT, "tomasz.zielinski") as gone:
        assert (await gone.get("/assistants/me")).status_code == 403
