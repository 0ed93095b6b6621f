"""Casework's lists and search against PostgreSQL, in process: names, children, contact details,
the assistant's name and flags in the answers; search by a folded surname ("lodz" finds
"Łódź") and by PESEL through keyed digests, within what the caller may see; and an erased
family's name in no read-model row in clear, the lists reading "[usunięto]"."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select

from services.casework.adapters.tables import cases
from services.casework.adapters.tables import metadata as casework_tables
from services.casework.api import build_api
from services.casework.application.handlers import (
    assign_assistant,
    log_visit,
    record_consent,
    request_court_opinion,
)
from services.casework.application.reactions import case_id_for, react
from services.casework.bootstrap import CaseworkApp, build_app
from services.casework.domain.case.commands import (
    AssignAssistant,
    LogVisit,
    RecordConsent,
    RequestCourtOpinion,
)
from services.casework.settings import CaseworkSettings
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    FamilyDataErased,
    FamilyMember,
    VisitPlace,
    VisitTopic,
)
from shared.events.personal import ERASED
from shared.eventstore import EventMetadata
from shared.web.audit import audit_entries
from shared.web.auth import Role
from suite.demo_data import pesel
from tests.conftest import token
from tests.events import envelope_of

pytestmark = pytest.mark.integration

OCHOTA, WOLA = "1465068", "1465188"
SETUP = EventMetadata(actor="test", correlation_id="setup")
MOTHER_PESEL = pesel(date(1988, 3, 4), 12, female=True)


@dataclass
class Centre:
    casework: CaseworkApp
    api: object
    assistant_id: uuid.UUID
    family_id: uuid.UUID  # the Łódź family of Ochota, with the assistant
    case_id: uuid.UUID
    other_case_id: uuid.UUID  # a Kowalska family of Wola, waiting

    def client(self, role: Role, subject: str, district: str = OCHOTA) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.api),  # type: ignore[arg-type]
            base_url="http://casework",
            headers={"Authorization": f"Bearer {token(role, (district,), subject=subject)}"},
        )


async def _grant(
    casework: CaseworkApp, district: str, members: tuple[FamilyMember, ...]
) -> tuple[uuid.UUID, uuid.UUID]:
    referral_id, family_id = uuid.uuid4(), uuid.uuid4()
    granted = AssistanceGranted(
        family_id=family_id,
        source="school",
        obligatory=False,
        decided_on=casework.clock.today(),
        members=members,
    )
    await react(envelope_of(granted, "referral", referral_id, district=district), casework.runner)
    return case_id_for(referral_id), family_id


@pytest.fixture
async def centre(pg_url: str) -> AsyncIterator[Centre]:
    casework = build_app(CaseworkSettings(database_url=pg_url))
    await casework.runtime.start(relay=False, worker=False)
    today = casework.clock.today()
    assistant_id = uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Zielińska",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    await react(envelope_of(registered, "assistant", assistant_id), casework.runner)
    case_id, family_id = await _grant(
        casework,
        OCHOTA,
        (
            FamilyMember(
                role="parent",
                first_name="Anna",
                last_name="Łódź",
                pesel=MOTHER_PESEL,
                address="ul. Grójecka 1 m. 2, 02-001 Warszawa",
                phone="+48 600 100 200",
            ),
            FamilyMember(
                role="child",
                first_name="Jaś",
                last_name="Łódź",
                pesel=pesel(date(2015, 5, 6), 21, female=False),
            ),
            FamilyMember(
                role="child",
                first_name="Zosia",
                last_name="Łódź",
                pesel=pesel(date(2018, 7, 8), 33, female=True),
            ),
        ),
    )
    await casework.runner.run(
        assign_assistant, AssignAssistant(case_id=case_id, assistant_id=assistant_id), SETUP
    )
    await casework.runner.run(
        record_consent,
        RecordConsent(case_id=case_id, given_on=today, signed_by=("Anna Łódź",)),
        SETUP,
    )
    await casework.runner.run(
        log_visit,
        LogVisit(
            case_id=case_id,
            visit_id=uuid.uuid4(),
            visited_on=today,
            duration_minutes=60,
            place=VisitPlace.HOME,
            present=("Anna",),
            topics=(VisitTopic.BUDGET,),
            note="",
        ),
        SETUP,
    )
    other_case_id, _ = await _grant(
        casework,
        WOLA,
        (
            FamilyMember(
                role="parent",
                first_name="Maria",
                last_name="Kowalska",
                pesel=pesel(date(1990, 1, 1), 7, female=True),
            ),
        ),
    )
    yield Centre(
        casework,
        build_api(casework, run_relay=False),
        assistant_id,
        family_id,
        case_id,
        other_case_id,
    )
    await casework.runtime.stop()


async def test_the_list_names_the_family_its_children_contacts_and_assistant(
    centre: Centre,
) -> None:
    async with centre.client(Role.ASSISTANT, str(centre.assistant_id)) as assistant:
        answer = await assistant.get("/cases")
    assert answer.status_code == 200, answer.text
    [case] = answer.json()
    assert case["case_id"] == str(centre.case_id)
    assert case["family_name"] == "Łódź"
    assert case["display_name"] == "Anna Łódź"
    assert case["children"] == 2
    assert case["address"] == "ul. Grójecka 1 m. 2, 02-001 Warszawa"
    assert case["phone"] == "+48 600 100 200"
    assert case["assistant_name"] == "Ewa Zielińska"
    assert case["visits_this_week"] == 1
    assert case["last_visit_on"] == centre.casework.clock.today().isoformat()
    assert case["next_assessment_due"] is not None
    assert case["not_seen_for_7_days"] is False
    assert case["assessment_overdue"] is False
    assert case["court_opinion_due"] is False


async def test_the_waiting_list_and_capacity_show_names(centre: Centre) -> None:
    async with centre.client(Role.HEAD, "head-wola", WOLA) as head_of_wola:
        waiting = await head_of_wola.get("/waiting-list", params={"district": WOLA})
    assert waiting.status_code == 200, waiting.text
    assert [(c["family_name"], c["display_name"], c["days_waiting"]) for c in waiting.json()] == [
        ("Kowalska", "Maria Kowalska", 0)
    ]
    async with centre.client(Role.HEAD, "head") as head:
        capacity = await head.get("/assistants/capacity", params={"district": OCHOTA})
    assert capacity.status_code == 200, capacity.text
    assert [(a["assistant_name"], a["free_places"]) for a in capacity.json()] == [
        ("Ewa Zielińska", 14)
    ]


@pytest.mark.parametrize("query", ["lodz", "Łódź", "ŁÓD", "lo", "Anna Łódź"])
async def test_a_surname_is_found_with_or_without_polish_letters(
    centre: Centre, query: str
) -> None:
    async with centre.client(Role.HEAD, "head") as head:
        found = await head.get("/cases", params={"q": query})
    assert found.status_code == 200, found.text
    if query == "Anna Łódź":
        # Every word must begin a surname of the family: "Anna" is a first name.
        assert found.json() == []
        return
    assert [c["case_id"] for c in found.json()] == [str(centre.case_id)]


async def test_a_surname_search_does_not_match_inside_a_word(centre: Centre) -> None:
    async with centre.client(Role.HEAD, "head") as head:
        assert (await head.get("/cases", params={"q": "odz"})).json() == []
        assert (await head.get("/cases", params={"q": "kowalska"})).json() == []


async def test_a_family_is_found_by_a_members_pesel(centre: Centre) -> None:
    async with centre.client(Role.SOCIAL_WORKER, "sw") as social_worker:
        found = await social_worker.get("/cases", params={"pesel": MOTHER_PESEL})
    assert found.status_code == 200, found.text
    assert [c["family_name"] for c in found.json()] == ["Łódź"]


async def test_another_districts_family_is_not_found(centre: Centre) -> None:
    async with centre.client(Role.HEAD, "head-wola", WOLA) as head_of_wola:
        by_name = await head_of_wola.get("/cases", params={"q": "lodz"})
        by_pesel = await head_of_wola.get("/cases", params={"pesel": MOTHER_PESEL})
        own = await head_of_wola.get("/cases", params={"q": "kowal"})
    assert by_name.status_code == by_pesel.status_code == 200
    assert by_name.json() == by_pesel.json() == []
    assert [c["case_id"] for c in own.json()] == [str(centre.other_case_id)]
    # Another assistant of the same district does not find a family that is not theirs.
    async with centre.client(Role.ASSISTANT, str(uuid.uuid4())) as stranger:
        assert (await stranger.get("/cases", params={"q": "lodz"})).json() == []
        assert (await stranger.get("/cases", params={"pesel": MOTHER_PESEL})).json() == []


async def test_the_city_analyst_gets_no_personal_data(centre: Centre) -> None:
    async with centre.client(Role.CITY_ANALYST, "city", "*") as analyst:
        for params in ({}, {"q": "lodz"}, {"pesel": MOTHER_PESEL}):
            assert (await analyst.get("/cases", params=params)).status_code == 403


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "ł"}, "surname_too_short"),
        ({"q": "x" * 101}, "string_too_long"),
        ({"pesel": "12345678901"}, "invalid_pesel"),
    ],
)
async def test_a_search_that_cannot_work_is_refused_not_ignored(
    centre: Centre, params: dict[str, str], code: str
) -> None:
    async with centre.client(Role.HEAD, "head") as head:
        answer = await head.get("/cases", params=params)
    assert answer.status_code == 422, answer.text
    assert code in answer.text


async def test_an_erased_family_is_in_no_read_model_in_clear(centre: Centre) -> None:
    casework = centre.casework
    erased = FamilyDataErased(erased_on=casework.clock.today(), reason="retencja")
    subscriptions = casework.runtime.subscriptions["referrals"]
    async with casework.runtime.engine.begin() as conn:
        await subscriptions(conn, envelope_of(erased, "family", centre.family_id))

    # No column of any casework read model holds the name, address, phone or a digest.
    async with casework.runtime.engine.connect() as conn:
        dump = ""
        for table in casework_tables.sorted_tables:
            dump += " ".join(str(row) for row in await conn.execute(select(table)))
    for secret in ("Łódź", "Anna", "Grójecka", "600 100 200", MOTHER_PESEL):
        assert secret not in dump
    async with casework.runtime.engine.connect() as conn:
        row = (await conn.execute(select(cases).where(cases.c.case_id == centre.case_id))).one()
    assert (row.family, row.surname_digests, row.pesel_digests) == (None, None, None)

    async with centre.client(Role.ASSISTANT, str(centre.assistant_id)) as assistant:
        [case] = (await assistant.get("/cases")).json()
        assert (case["family_name"], case["display_name"]) == (ERASED, ERASED)
        assert case["address"] is case["phone"] is None
        assert case["children"] == 2  # counts stay
        assert (await assistant.get("/cases", params={"q": "lodz"})).json() == []
        assert (await assistant.get("/cases", params={"pesel": MOTHER_PESEL})).json() == []


async def test_before_erasure_the_name_is_stored_only_encrypted(centre: Centre) -> None:
    async with centre.casework.runtime.engine.connect() as conn:
        dump = ""
        for table in casework_tables.sorted_tables:
            dump += " ".join(str(row) for row in await conn.execute(select(table)))
    for secret in ("Łódź", "lodz", "Grójecka", MOTHER_PESEL):
        assert secret not in dump
    assert "Ewa Zielińska" in dump  # staff names are not a family's data


async def test_the_case_file_names_the_family(centre: Centre) -> None:
    async with centre.client(Role.ASSISTANT, str(centre.assistant_id)) as assistant:
        file = (await assistant.get(f"/cases/{centre.case_id}")).json()
    assert (file["family_name"], file["display_name"]) == ("Łódź", "Anna Łódź")
    assert file["members"][0]["phone"] == "+48 600 100 200"


async def test_cases_opened_before_the_names_were_kept_get_them_from_their_events(
    centre: Centre,
) -> None:
    casework = centre.casework
    async with casework.runtime.engine.begin() as conn:
        await conn.execute(
            cases.update().values(family=None, surname_digests=None, pesel_digests=None)
        )
    assert await casework.index_families() == 2
    assert await casework.index_families() == 0  # nothing left to do
    async with centre.client(Role.HEAD, "head") as head:
        found = (await head.get("/cases", params={"q": "lodz"})).json()
    assert [c["display_name"] for c in found] == ["Anna Łódź"]


async def test_a_court_opinion_past_its_deadline_is_flagged_and_named(centre: Centre) -> None:
    today = centre.casework.clock.today()
    await centre.casework.runner.run(
        request_court_opinion,
        RequestCourtOpinion(
            case_id=centre.case_id,
            request_id=uuid.uuid4(),
            court_name="Sąd Rejonowy dla Warszawy-Ochoty",
            case_signature="III Nsm 1/26",
            requested_on=today - timedelta(days=20),
            deadline=today - timedelta(days=1),
        ),
        SETUP,
    )
    async with centre.client(Role.HEAD, "head") as head:
        [case] = (await head.get("/cases", params={"district": OCHOTA})).json()
        opinions = (await head.get("/court-opinions", params={"district": OCHOTA})).json()
    assert (case["court_opinion_due"], case["court_opinion_overdue"]) == (True, True)
    assert case["next_court_deadline"] == (today - timedelta(days=1)).isoformat()
    assert [(o["family_name"], o["display_name"], o["overdue"]) for o in opinions] == [
        ("Łódź", "Anna Łódź", True)
    ]


async def test_every_family_a_list_names_is_in_the_audit_trail(centre: Centre) -> None:
    runtime = centre.casework.runtime
    async with centre.client(Role.HEAD, "head-ochota") as head:
        [listed] = (await head.get("/cases", params={"district": OCHOTA})).json()
        assert (await head.get("/cases", params={"q": "kowal"})).json() == []
    async with centre.client(Role.HEAD, "head-wola", WOLA) as head_of_wola:
        [waiting] = (await head_of_wola.get("/waiting-list", params={"district": WOLA})).json()
    async with centre.client(Role.ASSISTANT, str(centre.assistant_id)) as assistant:
        assert len((await assistant.get("/cases")).json()) == 1

    trail = await audit_entries(runtime, family_id=centre.family_id)
    assert sorted((e["subject"], e["action"], e["route"]) for e in trail) == [
        (str(centre.assistant_id), "case.list", "GET /cases"),
        ("head-ochota", "case.list", "GET /cases"),
    ]
    assert {(e["resource"], e["resource_id"], e["district"], e["writes"]) for e in trail} == {
        ("case", uuid.UUID(listed["case_id"]), OCHOTA, False)
    }
    [wola] = await audit_entries(runtime, subject="head-wola")
    assert (wola["action"], wola["resource_id"], wola["district"]) == (
        "waiting_list.read",
        uuid.UUID(waiting["case_id"]),
        WOLA,
    )
    # A search that found nobody is recorded as well, naming no family.
    searches = await audit_entries(runtime, subject="head-ochota")
    assert [(e["family_id"], e["route"]) for e in searches if e["family_id"] is None] == [
        (None, "GET /cases")
    ]


async def test_the_administrator_finds_a_family_of_any_district_and_is_audited(
    centre: Centre,
) -> None:
    async with centre.client(Role.ADMIN, "admin", "*") as admin:
        found = await admin.get("/cases", params={"q": "lodz"})
        by_pesel = await admin.get("/cases", params={"pesel": MOTHER_PESEL})
    assert found.status_code == 200, found.text
    assert [c["family_name"] for c in found.json()] == ["Łódź"]
    assert by_pesel.json() == found.json()
    trail = await audit_entries(centre.casework.runtime, subject="admin")
    assert [(e["role"], e["family_id"]) for e in trail] == [("admin", centre.family_id)] * 2
