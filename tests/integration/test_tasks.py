"""Task lists from a known history, on SQLite and PostgreSQL: the projector fills what the
rules need (initials, consent, takeover, last visit), the rules pick the tasks, and the API
gives each person their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import delete

from services.reporting.adapters.tables import PROJECTION_TABLES
from services.reporting.api import build_api
from services.reporting.application import tasks
from services.reporting.application.projector import project
from services.reporting.bootstrap import ReportingApp, build_reporting
from services.reporting.settings import ReportingSettings
from shared.domain.clock import FixedClock
from shared.events import (
    AssistantAssigned,
    CaseAddedToCaseload,
    CourtOpinionRequested,
    FamilyConsentRecorded,
    FamilyDataErased,
    FamilyMember,
    FamilyReferred,
    WorkStarted,
)
from shared.messaging.inbox import Inbox, reset_consumer
from shared.web.auth import Role
from tests.conftest import token
from tests.integration.test_reports import OCHOTA, History, assistant, case, visit

pytestmark = pytest.mark.integration

WOLA = "1465188"
TODAY = date(2026, 6, 15)
# 08:30 in Warsaw (CEST): after a digest hour of 7.
NOW = datetime(2026, 6, 15, 6, 30, tzinfo=UTC)


@dataclass
class Scenario:
    history: History
    ewa: uuid.UUID  # an assistant of Ochota
    adam: uuid.UUID  # another one
    behind: uuid.UUID  # Ewa's family: assessment overdue, no consent, not seen
    in_order: uuid.UUID  # Ewa's family: consent, seen yesterday, a court opinion due
    adams: uuid.UUID  # Adam's family: an assessment due in 10 days
    waiting: uuid.UUID  # a family waiting for an assistant
    referral: uuid.UUID  # a referral waiting for a decision for 14 days
    erased_family: uuid.UUID


def _start(
    history: History, case_id: uuid.UUID, family: uuid.UUID, who: uuid.UUID, on: date, due: date
) -> None:
    history.add("caseload", who, CaseAddedToCaseload(case_id=case_id))
    history.add(
        "case", case_id, AssistantAssigned(family_id=family, assistant_id=who, assigned_on=on)
    )
    history.add("case", case_id, WorkStarted(started_on=on, next_assessment_due=due))


def scenario() -> Scenario:
    h = History()
    ewa = assistant(h, "employment_contract", date(2025, 1, 1))
    adam = assistant(h, "employment_contract", date(2025, 1, 1))
    behind, behind_family = case(h, source="social_worker", children=1, opened=date(2026, 5, 20))
    _start(h, behind, behind_family, ewa, date(2026, 5, 25), due=date(2026, 6, 10))
    in_order, in_order_family = case(h, source="court_order", children=2, opened=date(2026, 6, 1))
    _start(h, in_order, in_order_family, ewa, date(2026, 6, 2), due=date(2026, 9, 2))
    h.add(
        "case",
        in_order,
        FamilyConsentRecorded(given_on=date(2026, 6, 3), signed_by=("Anna Nowak",)),
    )
    visit(h, in_order, ewa, date(2026, 6, 14))
    h.add(
        "case",
        in_order,
        CourtOpinionRequested(
            request_id=uuid.uuid4(),
            court_name="SR dla Warszawy-Mokotowa",
            case_signature="III Nsm 7/26",
            requested_on=date(2026, 6, 10),
            deadline=date(2026, 6, 20),
        ),
    )
    adams, adams_family = case(h, source="family", children=1, opened=date(2026, 6, 1))
    _start(h, adams, adams_family, adam, date(2026, 6, 1), due=date(2026, 6, 25))
    h.add("case", adams, FamilyConsentRecorded(given_on=date(2026, 6, 1), signed_by=("X Y",)))
    visit(h, adams, adam, date(2026, 6, 12))
    waiting, _ = case(h, source="social_worker", children=3, opened=date(2026, 6, 12))
    referral = uuid.uuid4()
    h.add(
        "referral",
        referral,
        FamilyReferred(
            family_id=uuid.uuid4(),
            district=OCHOTA,
            source="family",
            referred_on=date(2026, 6, 1),
            members=(
                FamilyMember(
                    role="parent",
                    first_name="Zofia",
                    last_name="Wrona",
                    birth_date=date(1980, 1, 1),
                    document_number="ABC12345",
                ),
            ),
        ),
    )
    # Adam's family's personal data is erased: its initials go too.
    h.add("referral", uuid.uuid4(), FamilyDataErased(erased_on=TODAY, reason="retencja"))
    h.envelopes[-1] = h.envelopes[-1].model_copy(update={"family_id": adams_family})
    return Scenario(h, ewa, adam, behind, in_order, adams, waiting, referral, adams_family)


async def apply_history(reporting: ReportingApp, history: History) -> None:
    inbox = Inbox(reporting.engine, "reporting", project)
    for i in range(0, len(history.envelopes), 9):
        assert all(r is None for r in await inbox.process(history.envelopes[i : i + 9]))


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[ReportingApp, Scenario]]:
    reporting = build_reporting(ReportingSettings(database_url=db_url), clock=FixedClock(NOW))
    await reporting.runtime.start(relay=False, worker=False)
    s = scenario()
    await apply_history(reporting, s.history)
    yield reporting, s
    await reporting.runtime.stop()


def _view(listed: list[tasks.Task]) -> list[tuple[str, uuid.UUID, str, str]]:
    return [(t.kind.value, t.subject_id, t.status, t.when) for t in listed]


async def test_the_projection_holds_what_the_rules_need(
    world: tuple[ReportingApp, Scenario],
) -> None:
    reporting, s = world
    async with reporting.engine.connect() as conn:
        rows = await tasks.load_rows(conn, districts=[OCHOTA])
    by_id = {c.case_id: c for c in rows.cases}
    assert by_id[s.in_order].consent_on == date(2026, 6, 3)
    assert by_id[s.in_order].assistant_since == date(2026, 6, 2)
    assert by_id[s.in_order].last_visit_on == date(2026, 6, 14)
    assert by_id[s.in_order].family_initials == "A.B."  # members() of test_reports
    assert by_id[s.behind].consent_on is None
    assert by_id[s.adams].family_initials is None  # erased
    [referral] = [r for r in rows.referrals if r.referral_id == s.referral]
    assert referral.family_initials == "Z.W."


async def test_an_assistant_s_and_a_head_s_lists(world: tuple[ReportingApp, Scenario]) -> None:
    reporting, s = world
    async with reporting.engine.connect() as conn:
        rows = await tasks.load_rows(conn)
    assert _view(tasks.assistant_tasks(rows, s.ewa, TODAY)) == [
        ("not_seen", s.behind, "overdue", "po terminie od 14 dni"),
        ("consent", s.behind, "overdue", "po terminie od 7 dni"),
        ("assessment", s.behind, "overdue", "po terminie od 5 dni"),
        ("court_opinion", s.in_order, "due", "termin za 5 dni"),
    ]
    assert _view(tasks.assistant_tasks(rows, s.adam, TODAY)) == [
        ("assessment", s.adams, "due", "termin za 10 dni"),
    ]
    assert _view(tasks.head_tasks(rows, OCHOTA, TODAY)) == [
        ("not_seen", s.behind, "overdue", "po terminie od 14 dni"),
        ("consent", s.behind, "overdue", "po terminie od 7 dni"),
        ("referral_decision", s.referral, "overdue", "po terminie od 7 dni"),
        ("assessment", s.behind, "overdue", "po terminie od 5 dni"),
        ("waiting_for_assistant", s.waiting, "overdue", "po terminie od 3 dni"),
    ]


async def test_a_rebuild_gives_the_same_lists(world: tuple[ReportingApp, Scenario]) -> None:
    reporting, s = world
    async with reporting.engine.connect() as conn:
        before = tasks.head_tasks(await tasks.load_rows(conn), OCHOTA, TODAY)
    # As the rebuild command does: empty the projections and the inbox, apply every event.
    async with reporting.engine.begin() as conn:
        for table in PROJECTION_TABLES:
            await conn.execute(delete(table))
        await reset_consumer(conn, "reporting")
    await apply_history(reporting, s.history)
    async with reporting.engine.connect() as conn:
        after = tasks.head_tasks(await tasks.load_rows(conn), OCHOTA, TODAY)
    assert [t.as_dict() for t in after] == [t.as_dict() for t in before]


async def test_the_api_gives_each_person_their_own_list(
    world: tuple[ReportingApp, Scenario],
) -> None:
    reporting, s = world
    api = build_api(reporting, run_relay=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api), base_url="http://reporting"
    ) as client:

        async def get(
            path: str, role: Role, districts: tuple[str, ...], subject: str
        ) -> httpx.Response:
            bearer = token(role, districts, subject=subject)
            return await client.get(path, headers={"Authorization": f"Bearer {bearer}"})

        ewa = await get("/tasks", Role.ASSISTANT, (OCHOTA,), str(s.ewa))
        assert ewa.status_code == 200, ewa.text
        body = ewa.json()
        assert body["as_of"] == "2026-06-15"
        assert [(t["kind"], t["case_id"]) for t in body["tasks"]] == [
            ("not_seen", str(s.behind)),
            ("consent", str(s.behind)),
            ("assessment", str(s.behind)),
            ("court_opinion", str(s.in_order)),
        ]
        first = body["tasks"][0]
        assert first["key"] == f"not_seen:{s.behind}:2026-06-01"
        assert first["number"] == tasks.case_number(s.behind)
        assert first["family_initials"] == "A.B."
        assert set(first) == {
            "key",
            "kind",
            "title",
            "case_id",
            "referral_id",
            "number",
            "family_initials",
            "district",
            "assistant_id",
            "due",
            "status",
            "days",
            "when",
        }
        summary = (await get("/tasks/summary", Role.ASSISTANT, (OCHOTA,), str(s.ewa))).json()
        assert summary == {
            "as_of": "2026-06-15",
            "total": 4,
            "overdue": 3,
            "due": 1,
            "by_kind": {"assessment": 1, "consent": 1, "court_opinion": 1, "not_seen": 1},
        }
        head = (await get("/tasks/summary", Role.HEAD, (OCHOTA,), "head-1")).json()
        assert (head["total"], head["overdue"]) == (5, 5)
        # A head of another district sees nothing of Ochota, and may not ask for it.
        assert (await get("/tasks/summary", Role.HEAD, (WOLA,), "h")).json()["total"] == 0
        other = await client.get(
            "/tasks",
            params={"district": OCHOTA},
            headers={"Authorization": f"Bearer {token(Role.HEAD, (WOLA,), subject='h')}"},
        )
        assert other.status_code == 403
        # The administrator sees every district; a social worker is refused.
        admin = (await get("/tasks/summary", Role.ADMIN, ("*",), "admin")).json()
        assert admin["total"] == 5
        refused = await get("/tasks", Role.SOCIAL_WORKER, (OCHOTA,), "sw")
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
