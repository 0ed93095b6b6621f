"""Reporting's figures from a known history, on SQLite and PostgreSQL: the operational,
outcome, statutory and city reports, and the statutory files."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from services.reporting.adapters.exports import statutory_csv, statutory_xlsx
from services.reporting.application import reports
from services.reporting.application.projector import project
from services.reporting.application.reports import Period
from services.reporting.bootstrap import build_runtime
from services.reporting.settings import ReportingSettings
from shared.events import (
    AssistanceGranted,
    AssistantAssigned,
    AssistantRegistered,
    CaseClosed,
    CaseOpened,
    CourtOpinionRequested,
    DomainEvent,
    Envelope,
    FamilyMember,
    FamilyReferred,
    VisitLogged,
    WorkStarted,
)
from shared.events.directory import AssistantDeactivated
from shared.messaging.inbox import Inbox
from shared.runtime.service import ServiceRuntime
from suite.demo_data import pesel

pytestmark = pytest.mark.integration

OCHOTA, WOLA = "1465068", "1465188"
_serial = iter(range(300, 900))


class History:
    """Streams of events with their versions, as the producing services would store them."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self._versions: dict[uuid.UUID, int] = {}

    def add(
        self, kind: str, aggregate_id: uuid.UUID, event: DomainEvent, district: str = OCHOTA
    ) -> None:
        version = self._versions.get(aggregate_id, 0) + 1
        self._versions[aggregate_id] = version
        now = datetime.now(UTC)
        self.envelopes.append(
            Envelope(
                event_id=uuid.uuid4(),
                event_type=event.event_type,
                schema_version=event.schema_version,
                aggregate_type=kind,
                aggregate_id=aggregate_id,
                aggregate_version=version,
                district=district,
                occurred_at=now,
                recorded_at=now,
                actor="test",
                correlation_id="c",
                payload=event.model_dump(mode="json"),
            )
        )


def members(children: int) -> tuple[FamilyMember, ...]:
    people = [
        FamilyMember(
            role="parent",
            first_name="A",
            last_name="B",
            pesel=pesel(date(1990, 1, 1), next(_serial), female=True),
        )
    ]
    people += [
        FamilyMember(
            role="child",
            first_name="C",
            last_name="B",
            pesel=pesel(date(2016, 1, 1), next(_serial), female=False),
        )
        for _ in range(children)
    ]
    return tuple(people)


def assistant(history: History, form: str, since: date, ended: date | None = None) -> uuid.UUID:
    assistant_id = uuid.uuid4()
    history.add(
        "assistant",
        assistant_id,
        AssistantRegistered(
            first_name="Ewa",
            last_name="X",
            district=OCHOTA,
            employment_form=form,
            works_since=since,
        ),
    )
    if ended:
        history.add(
            "assistant", assistant_id, AssistantDeactivated(ended_on=ended, reason="contract_ended")
        )
    return assistant_id


def case(
    history: History,
    *,
    source: str,
    children: int,
    opened: date,
    assigned: tuple[uuid.UUID, date] | None = None,
    family_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    case_id, family = uuid.uuid4(), family_id or uuid.uuid4()
    referral_id = uuid.uuid4()
    history.add(
        "referral",
        referral_id,
        FamilyReferred(
            family_id=family,
            district=OCHOTA,
            source=source,
            referred_on=opened,
            members=members(children),
        ),
    )
    history.add(
        "referral",
        referral_id,
        AssistanceGranted(
            family_id=family,
            source=source,
            obligatory=source == "court_order",
            decided_on=opened,
            members=members(children),
        ),
    )
    history.add(
        "case",
        case_id,
        CaseOpened(
            referral_id=referral_id,
            family_id=family,
            district=OCHOTA,
            source=source,
            obligatory=source == "court_order",
            opened_on=opened,
            members=members(children),
        ),
    )
    if assigned:
        who, on = assigned
        history.add(
            "case", case_id, AssistantAssigned(family_id=family, assistant_id=who, assigned_on=on)
        )
        history.add(
            "case", case_id, WorkStarted(started_on=on, next_assessment_due=date(on.year, 6, 1))
        )
    return case_id, family


def visit(history: History, case_id: uuid.UUID, who: uuid.UUID, on: date) -> None:
    history.add(
        "case",
        case_id,
        VisitLogged(
            visit_id=uuid.uuid4(),
            assistant_id=who,
            visited_on=on,
            duration_minutes=60,
            place="home",
            topics=("budget",),
        ),
    )


@pytest.fixture
async def runtime(db_url: str) -> AsyncIterator[ServiceRuntime]:
    runtime = build_runtime(ReportingSettings(database_url=db_url))
    await runtime.start(relay=False, worker=False)
    history = History()
    a1 = assistant(history, "employment_contract", date(2025, 1, 1))
    a2 = assistant(history, "civil_law_contract", date(2026, 3, 1))
    assistant(history, "employment_contract", date(2024, 1, 1), ended=date(2025, 12, 31))
    c1, family1 = case(
        history,
        source="social_worker",
        children=2,
        opened=date(2025, 11, 1),
        assigned=(a1, date(2025, 11, 5)),
    )
    history.add("case", c1, CaseClosed(reason="goals_achieved", closed_on=date(2026, 3, 10)))
    c2, _ = case(
        history,
        source="court_order",
        children=3,
        opened=date(2026, 1, 10),
        assigned=(a1, date(2026, 1, 12)),
    )
    for day in (20, 27, 3, 10):
        visit(history, c2, a1, date(2026, 5 if day > 15 else 6, day))
    history.add(
        "case",
        c2,
        CourtOpinionRequested(
            request_id=uuid.uuid4(),
            court_name="SR",
            case_signature="III Nsm 1/26",
            requested_on=date(2026, 5, 1),
            deadline=date(2026, 6, 10),
        ),
    )
    history.add(
        "case",
        c2,
        CourtOpinionRequested(
            request_id=uuid.uuid4(),
            court_name="SR",
            case_signature="III Nsm 2/26",
            requested_on=date(2026, 6, 1),
            deadline=date(2026, 7, 1),
        ),
    )
    c3, _ = case(
        history,
        source="za_zyciem",
        children=0,
        opened=date(2026, 5, 1),
        assigned=(a2, date(2026, 5, 2)),
    )
    visit(history, c3, a2, date(2026, 6, 1))
    c4, _ = case(
        history,
        source="family",
        children=2,
        opened=date(2023, 1, 1),
        assigned=(a1, date(2023, 1, 2)),
    )
    history.add(
        "case",
        c4,
        CaseClosed(
            reason="child_placed_in_foster_care",
            closed_on=date(2026, 2, 1),
            children_placed_in_foster_care=1,
        ),
    )
    case(history, source="social_worker", children=1, opened=date(2026, 6, 1))  # waiting
    # The first family is referred again within 12 months of the end of its work.
    history.add(
        "referral",
        uuid.uuid4(),
        FamilyReferred(
            family_id=family1,
            district=OCHOTA,
            source="school",
            referred_on=date(2026, 6, 1),
            members=members(1),
        ),
    )
    # Applied out of order across aggregates, in batches, as replicas would.
    inbox = Inbox(runtime.engine, "reporting", project)
    envelopes = history.envelopes
    interleaved = envelopes[1::2] + envelopes[0::2]
    for i in range(0, len(interleaved), 7):
        assert all(r is None for r in await inbox.process(interleaved[i : i + 7]))
    yield runtime
    await runtime.stop()


H1_2026 = Period.half_year(2026, 1)


async def test_the_statutory_report_of_a_half_year(runtime: ServiceRuntime) -> None:
    async with runtime.engine.connect() as conn:
        report = await reports.statutory_report(conn, district=OCHOTA, period=H1_2026)
    figures = {row["code"]: row["value"] for row in report["rows"]}
    assert figures["assistants"] == 2
    assert figures["assistants_employment_contract"] == 1
    assert figures["assistants_civil_law_contract"] == 1
    assert figures["families"] == 4
    assert figures["children"] == 7
    assert figures["families_court_obliged"] == 1
    assert figures["families_za_zyciem"] == 1
    assert figures["families_ended"] == 2
    assert figures["ended_goals_achieved"] == 1
    assert figures["ended_child_placed_in_foster_care"] == 1
    assert figures["ended_no_cooperation_or_no_effects"] == 0
    assert (
        figures["duration_up_to_3_months"],
        figures["duration_3_to_12_months"],
        figures["duration_1_to_2_years"],
        figures["duration_over_2_years"],
    ) == (1, 2, 0, 1)
    async with runtime.engine.connect() as conn:
        other = await reports.statutory_report(conn, district=WOLA, period=H1_2026)
    assert {row["value"] for row in other["rows"]} == {0}


async def test_the_statutory_files_have_polish_headings(runtime: ServiceRuntime) -> None:
    async with runtime.engine.connect() as conn:
        report = await reports.statutory_report(conn, district=OCHOTA, period=H1_2026)
    text = statutory_csv(report).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0].startswith("Sprawozdanie rzeczowo-finansowe")
    assert ["Kod", "Wyszczególnienie", "Wartość"] in rows
    assert ["families", "Liczba rodzin korzystających z usług asystenta rodziny", "4"] in rows
    sheet = load_workbook(io.BytesIO(statutory_xlsx(report))).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["children", "Liczba dzieci w tych rodzinach", 7] in values
    assert any(v[0] == "Okres: 2026-01-01 – 2026-06-30" for v in values)


async def test_outcomes_of_the_work_that_ended(runtime: ServiceRuntime) -> None:
    async with runtime.engine.connect() as conn:
        report = await reports.outcomes_report(conn, district=OCHOTA, period=H1_2026)
    reasons = {r["reason"]: r["families"] for r in report["closures_by_reason"]}
    assert report["closures"] == 2
    assert reasons["goals_achieved"] == 1 and reasons["child_placed_in_foster_care"] == 1
    durations = {d["bucket"]: d["families"] for d in report["duration_of_work"]}
    assert durations == {
        "up_to_3_months": 0,
        "3_to_12_months": 1,
        "1_to_2_years": 0,
        "over_2_years": 1,
    }
    assert report["children_stayed_with_family"] == 3
    assert report["children_placed_in_foster_care"] == 1
    assert report["re_referred_within_12_months"] == 1


async def test_the_operational_report_flags_what_needs_attention(
    runtime: ServiceRuntime,
) -> None:
    async with runtime.engine.connect() as conn:
        report = await reports.operational_report(conn, district=OCHOTA, today=date(2026, 6, 15))
    frequency = {f["visits_last_4_weeks"]: f["below_one_a_week"] for f in report["visit_frequency"]}
    assert frequency == {4: False, 1: True}
    assert report["families_below_one_visit_a_week"] == 1
    assert len(report["overdue_assessments"]) == 2  # both due 1 June, not assessed
    assert [o["days_overdue"] for o in report["court_opinions_overdue"]] == [5]
    assert [o["days_left"] for o in report["court_opinions_due"]] == [16]
    assert [w["days_waiting"] for w in report["waiting_list"]] == [14]
    assert report["active_families"] == 2


async def test_the_city_view_sets_districts_side_by_side_without_names(
    runtime: ServiceRuntime,
) -> None:
    async with runtime.engine.connect() as conn:
        report = await reports.city_report(conn, period=H1_2026, today=date(2026, 6, 15))
    rows = {r["district"]: r for r in report["districts"]}
    assert len(rows) == 18
    assert rows[OCHOTA]["active_families"] == 2
    assert rows[OCHOTA]["waiting_families"] == 1
    assert rows[OCHOTA]["closures_in_period"] == 2
    assert rows[OCHOTA]["assistants"] == 2
    assert rows[WOLA]["active_families"] == 0
    assert report["totals"]["active_families"] == 2
    assert "Ewa" not in str(report)
