"""Reporting's HTTP API: every report as JSON, filterable by district and period; the
statutory report also as CSV and XLSX."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from pydantic import AfterValidator, BaseModel

from services.reporting.access import POLICY
from services.reporting.adapters.exports import statutory_csv, statutory_xlsx
from services.reporting.application import reports, tasks
from services.reporting.application.reports import Period
from services.reporting.bootstrap import ReportingApp
from shared.domain.districts import DistrictCode
from shared.domain.errors import DomainError, ErrorKind
from shared.domain.validation import invalid
from shared.web.auth import Role
from shared.web.authorization import Grant
from shared.web.http import service_app


class AssistantCaseload(BaseModel):
    assistant_id: UUID
    name: str
    employment_form: str
    active_families: int
    limit: int
    free_places: int
    working: bool


class WaitingFamily(BaseModel):
    case_id: UUID
    waiting_since: date
    days_waiting: int
    children: int
    obligatory: bool


class CaseloadReport(BaseModel):
    district: str
    district_name: str
    as_of: date
    limit: int
    assistants: list[AssistantCaseload]
    active_families: int
    waiting_list: list[WaitingFamily]
    longest_wait_days: int


class VisitFrequency(BaseModel):
    case_id: UUID
    assistant_id: UUID | None
    visits_last_4_weeks: int
    visits_per_week: float
    below_one_a_week: bool


class OperationalReport(CaseloadReport):
    visit_frequency: list[VisitFrequency]
    families_below_one_visit_a_week: int
    overdue_assessments: list[dict[str, Any]]
    court_opinions_due: list[dict[str, Any]]
    court_opinions_overdue: list[dict[str, Any]]
    families_in_monitoring: list[dict[str, Any]]


class CountedItem(BaseModel):
    label: str
    families: int
    reason: str | None = None
    bucket: str | None = None


class OutcomesReport(BaseModel):
    district: str | None
    district_name: str
    period: dict[str, date]
    closures: int
    closures_by_reason: list[CountedItem]
    duration_of_work: list[CountedItem]
    children_stayed_with_family: int
    children_placed_in_foster_care: int
    re_referred_within_12_months: int


class StatutoryLine(BaseModel):
    code: str
    label: str
    value: int


class StatutoryReport(BaseModel):
    district: str | None
    district_name: str
    period: dict[str, date]
    title: str
    rows: list[StatutoryLine]


class CityRow(BaseModel):
    district: str
    district_name: str
    assistants: int
    active_families: int
    waiting_families: int
    longest_wait_days: int
    families_in_monitoring: int
    overdue_assessments: int
    closures_in_period: int


class CityReport(BaseModel):
    period: dict[str, date]
    as_of: date
    districts: list[CityRow]
    totals: dict[str, int]


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


class PeriodReversed(DomainError):
    code = "period-reversed"
    kind = ErrorKind.INVALID
    title_pl = "Nieprawidłowy okres"
    title_en = "Invalid period"
    detail_pl = "Początek okresu ({start}) jest późniejszy niż jego koniec ({end})."
    detail_en = "The period starts ({start}) after it ends ({end})."


async def reporting_of(request: Request) -> ReportingApp:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
    reporting: ReportingApp = request.app.state.reporting
    return reporting


Reporting = Annotated[ReportingApp, Depends(reporting_of)]


def _period(today: date, start: date | None, end: date | None) -> Period:
    end = end or today
    start = start or end - timedelta(days=365)
    if start > end:
        raise PeriodReversed(start=start.isoformat(), end=end.isoformat())
    return Period(start, end)


def _reasonable(day: date) -> date:
    if not date(2000, 1, 1) <= day <= date(2100, 12, 31):
        raise invalid(
            "date_out_of_range", "data spoza lat 2000–2100", "a date outside the years 2000-2100"
        )
    return day


ReportDate = Annotated[date, AfterValidator(_reasonable)]
District = Annotated[DistrictCode, Query(description="kod TERC")]
OptionalDistrict = Annotated[
    DistrictCode | None, Query(description="kod TERC; bez niego: całe miasto (analityk)")
]
From = Annotated[ReportDate | None, Query(alias="from", description="początek okresu")]
To = Annotated[ReportDate | None, Query(alias="to", description="koniec okresu (domyślnie dziś)")]

router = APIRouter(tags=["reports"])


@router.get(
    "/reports/caseload",
    response_model=CaseloadReport,
    summary="Obciążenie asystentów i lista oczekujących",
)
async def get_caseload(
    reporting: Reporting,
    _grant: Annotated[Grant, POLICY.require("reports.caseload", district_param="district")],
    district: District,
) -> CaseloadReport:
    async with reporting.reads.connect() as conn:
        report = await reports.caseload_report(
            conn, district=district, today=reporting.clock.today()
        )
    return CaseloadReport.model_validate(report)


@router.get(
    "/reports/operational",
    response_model=OperationalReport,
    summary="Raport bieżący ośrodka: obciążenie, oczekujący, wizyty, terminy",
)
async def get_operational(
    reporting: Reporting,
    _grant: Annotated[Grant, POLICY.require("reports.operational", district_param="district")],
    district: District,
    as_of: Annotated[ReportDate | None, Query(description="stan na dzień (domyślnie dziś)")] = None,
) -> OperationalReport:
    async with reporting.reads.connect() as conn:
        report = await reports.operational_report(
            conn, district=district, today=as_of or reporting.clock.today()
        )
    return OperationalReport.model_validate(report)


@router.get(
    "/reports/outcomes",
    response_model=OutcomesReport,
    summary="Efekty pracy: zakończenia, czas pracy, dzieci, ponowne zgłoszenia",
)
async def get_outcomes(
    reporting: Reporting,
    grant: Annotated[Grant, POLICY.require("reports.outcomes", district_param="district")],
    district: OptionalDistrict = None,
    start: From = None,
    end: To = None,
) -> OutcomesReport:
    scope = grant.district_or_city(district)
    async with reporting.reads.connect() as conn:
        report = await reports.outcomes_report(
            conn, district=scope, period=_period(reporting.clock.today(), start, end)
        )
    return OutcomesReport.model_validate(report)


@router.get(
    "/reports/statutory",
    response_model=StatutoryReport,
    summary="Sprawozdanie półroczne (asystent rodziny): JSON, CSV lub XLSX",
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
async def get_statutory(
    reporting: Reporting,
    grant: Annotated[Grant, POLICY.require("reports.statutory", district_param="district")],
    year: Annotated[int, Query(ge=2012, le=2100)],
    half: Annotated[int, Query(ge=1, le=2, description="1: styczeń–czerwiec, 2: lipiec–grudzień")],
    district: OptionalDistrict = None,
    format: ReportFormat = ReportFormat.JSON,
) -> Any:
    scope = grant.district_or_city(district)
    async with reporting.reads.connect() as conn:
        report = await reports.statutory_report(
            conn, district=scope, period=Period.half_year(year, half)
        )
    name = f"sprawozdanie-asystent-{year}-{half}-{scope or 'warszawa'}"
    if format is ReportFormat.CSV:
        return Response(
            statutory_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format is ReportFormat.XLSX:
        return Response(
            statutory_xlsx(report),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return StatutoryReport.model_validate(report)


@router.get(
    "/reports/city",
    response_model=CityReport,
    summary="Widok miasta: wszystkie dzielnice obok siebie, z sumami",
)
async def get_city(
    reporting: Reporting,
    _grant: Annotated[Grant, POLICY.require("reports.city")],
    start: From = None,
    end: To = None,
) -> CityReport:
    async with reporting.reads.connect() as conn:
        report = await reports.city_report(
            conn, period=_period(reporting.clock.today(), start, end), today=reporting.clock.today()
        )
    return CityReport.model_validate(report)


class TaskOut(BaseModel):
    key: str
    kind: str
    title: str
    case_id: UUID | None
    referral_id: UUID | None
    number: str
    family_initials: str | None
    district: str
    assistant_id: UUID | None
    due: date
    status: str
    days: int
    when: str


class TaskList(BaseModel):
    as_of: date
    tasks: list[TaskOut]


class TaskSummary(BaseModel):
    as_of: date
    total: int
    overdue: int
    due: int
    by_kind: dict[str, int]


TaskDistrict = Annotated[
    DistrictCode | None,
    Query(description="kod TERC (kierownik); bez niego: wszystkie dzielnice z tokenu"),
]


async def _my_tasks(
    reporting: ReportingApp, grant: Grant, district: str | None
) -> list[tasks.Task]:
    """An assistant's own list (the assistant their token's login is linked to); a head's or the
    administrator's for the district asked for, or every district their token names."""
    today = reporting.clock.today()
    principal = grant.principal
    async with reporting.reads.connect() as conn:
        if principal.role is Role.ASSISTANT:
            if grant.assistant_id is None:
                return []
            rows = await tasks.load_rows(conn, assistant_id=grant.assistant_id)
            return tasks.assistant_tasks(rows, grant.assistant_id, today)
        scope = [district] if district else (None if grant.districts is None else grant.districts)
        rows = await tasks.load_rows(conn, districts=scope)
    chosen = scope if scope is not None else tasks.districts_of(rows)
    return [t for d in sorted(chosen) for t in tasks.head_tasks(rows, d, today)]


@router.get(
    "/tasks",
    response_model=TaskList,
    tags=["tasks"],
    summary="Moje zadania: terminy ocen, opinii dla sądu, wizyt, zgód; decyzje i oczekujący",
)
async def get_tasks(
    reporting: Reporting,
    grant: Annotated[Grant, POLICY.require("tasks.own", district_param="district")],
    district: TaskDistrict = None,
) -> TaskList:
    listed = await _my_tasks(reporting, grant, district)
    return TaskList(
        as_of=reporting.clock.today(),
        tasks=[TaskOut.model_validate(t.as_dict()) for t in listed],
    )


@router.get(
    "/tasks/summary",
    response_model=TaskSummary,
    tags=["tasks"],
    summary="Liczba moich zadań (do nawigacji)",
)
async def get_task_summary(
    reporting: Reporting,
    grant: Annotated[Grant, POLICY.require("tasks.own", district_param="district")],
    district: TaskDistrict = None,
) -> TaskSummary:
    listed = await _my_tasks(reporting, grant, district)
    return TaskSummary(as_of=reporting.clock.today(), **tasks.summary(listed))


def build_api(reporting: ReportingApp, run_relay: bool = True, run_worker: bool = False) -> FastAPI:
    app = service_app(
        reporting.runtime,
        title="Asysta: raporty",
        description="Raporty ośrodka i miasta: obciążenie, oczekujący, wizyty, terminy, "
        "efekty pracy, sprawozdanie półroczne, widok miasta.",
        routers=[router],
        run_relay=run_relay,
        run_worker=run_worker,
    )
    app.state.reporting = reporting
    return app
