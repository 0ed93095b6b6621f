"""Reporting's figures from a known history, on SQLite and PostgreSQL: the operational,
outcome, statutory and city reports, and the statutory files."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from services.reporting.adapters.exports import statutory_csv, statutory_xlsx
from services.reporting.application import reports
from services.reporting.application.projector import project
from services.reporting.application.reports import Period
from services.reporting.bootstrap import build_reporting
from services.reporting.settings import ReportingSettings
from shared.events import (
    AssistanceGranted,
    AssistantAssigned,
    AssistantRegistered,
    CaseAddedToCaseload,
    CaseClosed,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseOpened,
    CaseRemovedFromCaseload,
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
_serial = itertools.cycle(range(300, 900))


class History:
    """Streams of events with their versions, as the producing services would store them."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        # Per stream: a caseload and its assistant share an id, not a stream.
        self._versions: dict[tuple[str, uuid.UUID], int] = {}

    def add(
        self, kind: str, aggregate_id: uuid.UUID, event: DomainEvent, district: str = OCHOTA
    ) -> None:
        version = self._versions.get((kind, aggregate_id), 0) + 1
        self._versions[kind, aggregate_id] = version
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


def assistant(
    history: History,
    form: str,
    since: date,
    ended: date | None = None,
    *,
    limit: int | None = 15,
    assistant_id: uuid.UUID | None = None,
) -> uuid.UUID:
    assistant_id = assistant_id or uuid.uuid4()
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
    # Casework opens the assistant's caseload when the directory registers them, and suspends
    # it when the directory deactivates them.
    if limit is not None:
        history.add("caseload", assistant_id, CaseloadOpened(district=OCHOTA, limit=limit))
    if ended:
        history.add(
            "assistant", assistant_id, AssistantDeactivated(ended_on=ended, reason="contract_ended")
        )
        if limit is not None:
            history.add("caseload", assistant_id, CaseloadSuspended(since=ended))
    return assistant_id


def case(
    history: History,
    *,
    source: str,
    children: int,
    opened: date,
    assigned: tuple[uuid.UUID, date] | None = None,
    family_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
) -> tuple[uuid.UUID, uuid.UUID]:
    case_id, family = case_id or uuid.uuid4(), family_id or uuid.uuid4()
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
        history.add("caseload", who, CaseAddedToCaseload(case_id=case_id))
        history.add(
            "case", case_id, AssistantAssigned(family_id=family, assistant_id=who, assigned_on=on)
        )
        history.add(
            "case", case_id, WorkStarted(started_on=on, next_assessment_due=date(on.year, 6, 1))
        )
    return case_id, family


def close(history: History, case_id: uuid.UUID, who: uuid.UUID, closed: CaseClosed) -> None:
    history.add("case", case_id, closed)
    history.add("caseload", who, CaseRemovedFromCaseload(case_id=case_id))


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
    runtime = build_reporting(ReportingSettings(database_url=db_url)).runtime
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
    close(history, c1, a1, CaseClosed(reason="goals_achieved", closed_on=date(2026, 3, 10)))
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
    close(
        history,
        c4,
        a1,
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
    assert any(v[0] == "Okres: 1 stycznia 2026 – 30 czerwca 2026" for v in values)


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


async def apply(runtime: ServiceRuntime, history: History) -> None:
    inbox = Inbox(runtime.engine, "reporting", project)
    assert all(r is None for r in await inbox.process(history.envelopes))


async def test_free_places_are_casework_s_caseload_facts(runtime: ServiceRuntime) -> None:
    """The limit an assistant's caseload opened with and their being at work come from
    casework's caseload stream: an assistant who stopped working has no free places (as in
    casework's GET /assistants/capacity), whatever families they still hold."""
    history = History()
    day = date(2026, 2, 1)
    stopped = assistant(history, "employment_contract", day)
    for _ in range(2):
        case(history, source="family", children=1, opened=day, assigned=(stopped, day))
    history.add("assistant", stopped, AssistantDeactivated(ended_on=day, reason="contract_ended"))
    history.add("caseload", stopped, CaseloadSuspended(since=day))
    part_time = assistant(history, "civil_law_contract", day, limit=3)
    case(history, source="family", children=1, opened=day, assigned=(part_time, day))
    back = assistant(history, "employment_contract", day, ended=date(2026, 3, 1))
    history.add("caseload", back, CaseloadResumed(since=date(2026, 4, 1)))
    case(history, source="family", children=1, opened=day, assigned=(back, day))
    unknown_to_casework = assistant(history, "employment_contract", day, limit=None)
    await apply(runtime, history)

    async with runtime.engine.connect() as conn:
        report = await reports.caseload_report(conn, district=OCHOTA, today=date(2026, 6, 15))
    rows = {row["assistant_id"]: row for row in report["assistants"]}

    def figures(assistant_id: uuid.UUID) -> tuple[int, int, int, bool]:
        row = rows[assistant_id]
        return row["active_families"], row["limit"], row["free_places"], row["working"]

    assert figures(stopped) == (2, 15, 0, False)
    assert figures(part_time) == (1, 3, 2, True)
    assert figures(back) == (1, 15, 14, True)
    assert figures(unknown_to_casework) == (0, 15, 0, False)
    # The assistant of the fixture who left at the end of 2025 takes no family either.
    ended = [r for r in report["assistants"] if r["active_families"] == 0 and not r["working"]]
    assert len(ended) == 2
    assert all(r["free_places"] == 0 for r in ended)


async def test_every_list_has_a_total_order(runtime: ServiceRuntime) -> None:
    """Rows that tie on a report's sort key (the same deadline, the same end of monitoring,
    the same due date, the same day of opening) come in the order of their ids, whatever
    the order their events were applied in."""
    history = History()
    day = date(2026, 3, 2)
    who = assistant(history, "employment_contract", day)
    # Ids descending, applied in that order: only a tie-breaker puts them ascending.
    ids = sorted((uuid.uuid4() for _ in range(8)), reverse=True)
    worked, waiting = ids[:4], ids[4:]
    for case_id in worked:
        case(
            history,
            source="family",
            children=1,
            opened=day,
            assigned=(who, day),
            case_id=case_id,
        )
    for request_id in sorted((uuid.uuid4() for _ in range(4)), reverse=True):
        history.add(
            "case",
            worked[0],
            CourtOpinionRequested(
                request_id=request_id,
                court_name="SR",
                case_signature="III Nsm 3/26",
                requested_on=day,
                deadline=date(2026, 6, 20),
            ),
        )
    for request_id in sorted((uuid.uuid4() for _ in range(3)), reverse=True):
        history.add(
            "case",
            worked[1],
            CourtOpinionRequested(
                request_id=request_id,
                court_name="SR",
                case_signature="III Nsm 4/26",
                requested_on=day,
                deadline=date(2026, 6, 5),
            ),
        )
    for case_id in worked[2:]:
        close(
            history,
            case_id,
            who,
            CaseClosed(
                reason="goals_achieved",
                closed_on=date(2026, 6, 1),
                monitoring_until=date(2026, 12, 1),
            ),
        )
    for case_id in waiting:
        case(history, source="family", children=1, opened=day, case_id=case_id)
    await apply(runtime, history)

    async with runtime.engine.connect() as conn:
        report = await reports.operational_report(conn, district=OCHOTA, today=date(2026, 6, 15))

    def in_order(rows: list[dict[str, Any]], *key: str) -> bool:
        values = [tuple(row[k] for k in key) for row in rows]
        return values == sorted(values) and len(set(values)) == len(values)

    due = [o for o in report["court_opinions_due"] if o["deadline"] == date(2026, 6, 20)]
    overdue = [o for o in report["court_opinions_overdue"] if o["deadline"] == date(2026, 6, 5)]
    monitoring = [m for m in report["families_in_monitoring"] if m["case_id"] in worked]
    assert (len(due), len(overdue), len(monitoring)) == (4, 3, 2)
    assert in_order(report["court_opinions_due"], "deadline", "request_id")
    assert in_order(report["court_opinions_overdue"], "deadline", "request_id")
    assert in_order(report["families_in_monitoring"], "monitoring_until", "case_id")
    assert in_order(report["overdue_assessments"], "due", "case_id")
    assert in_order(report["waiting_list"], "waiting_since", "case_id")
    assert in_order(report["visit_frequency"], "case_id")
    assert [w["case_id"] for w in report["waiting_list"] if w["case_id"] in waiting] == sorted(
        waiting
    )
    names = [(a["name"], str(a["assistant_id"])) for a in report["assistants"]]
    assert names == sorted(names)
