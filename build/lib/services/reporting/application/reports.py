"""The reports of a centre and of the city, counted from the projections when asked for.

Every figure is about families, cases and assistants as ids, dates and codes: no report
carries a family's personal data, and the city view not even assistants' names."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.tables import (
    assistants_view,
    cases_view,
    court_opinions_view,
    referrals_view,
    visits_view,
)
from shared.dates import add_months
from shared.districts import WARSAW_DISTRICTS, district_name
from shared.events import CASELOAD_LIMIT, ClosureReason

CLOSURE_LABELS = {
    ClosureReason.GOALS_ACHIEVED.value: "osiągnięcie celów",
    ClosureReason.NO_COOPERATION_OR_NO_EFFECTS.value: "zaprzestanie współpracy lub brak efektów",
    ClosureReason.CHANGE_OF_METHOD.value: "zmiana metody pracy",
    ClosureReason.MOVED_AWAY.value: "zmiana miejsca zamieszkania",
    ClosureReason.CHILD_PLACED_IN_FOSTER_CARE.value: "umieszczenie dziecka w pieczy zastępczej",
    ClosureReason.OTHER.value: "inne",
}
DURATION_LABELS = {
    "up_to_3_months": "do 3 miesięcy",
    "3_to_12_months": "od 3 do 12 miesięcy",
    "1_to_2_years": "od roku do 2 lat",
    "over_2_years": "powyżej 2 lat",
}
ACTIVE = "active"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def half_year(cls, year: int, half: int) -> Period:
        if half == 1:
            return cls(date(year, 1, 1), date(year, 6, 30))
        return cls(date(year, 7, 1), date(year, 12, 31))

    def as_dict(self) -> dict[str, date]:
        return {"from": self.start, "to": self.end}


def duration_bucket(started: date, ended: date) -> str:
    if ended <= add_months(started, 3):
        return "up_to_3_months"
    if ended <= add_months(started, 12):
        return "3_to_12_months"
    if ended <= add_months(started, 24):
        return "1_to_2_years"
    return "over_2_years"


def _in(column: Any, district: str | None) -> Any:
    return column == district if district else column.is_not(None)


async def caseload_report(conn: AsyncConnection, *, district: str, today: date) -> dict[str, Any]:
    """Per assistant of the district: active families against the limit; and the families
    granted an assistant who still wait for one, longest waiting first."""
    active = (
        select(cases_view.c.assistant_id, func.count().label("active"))
        .where(cases_view.c.status == ACTIVE)
        .group_by(cases_view.c.assistant_id)
        .subquery()
    )
    rows = await conn.execute(
        select(
            assistants_view.c.assistant_id,
            assistants_view.c.first_name,
            assistants_view.c.last_name,
            assistants_view.c.employment_form,
            func.coalesce(active.c.active, 0).label("active"),
        )
        .select_from(
            assistants_view.outerjoin(
                active, active.c.assistant_id == assistants_view.c.assistant_id
            )
        )
        .where(assistants_view.c.district == district)
        .order_by(
            assistants_view.c.last_name,
            assistants_view.c.first_name,
            assistants_view.c.assistant_id,
        )
    )
    assistants = [
        {
            "assistant_id": row.assistant_id,
            "name": f"{row.first_name} {row.last_name}",
            "employment_form": row.employment_form,
            "active_families": row.active,
            "limit": CASELOAD_LIMIT,
            "free_places": max(CASELOAD_LIMIT - row.active, 0),
        }
        for row in rows
    ]
    waiting = await _waiting(conn, district, today)
    return {
        "district": district,
        "district_name": district_name(district),
        "as_of": today,
        "limit": CASELOAD_LIMIT,
        "assistants": assistants,
        "active_families": sum(a["active_families"] for a in assistants),
        "waiting_list": waiting,
        "longest_wait_days": max((w["days_waiting"] for w in waiting), default=0),
    }


async def _waiting(conn: AsyncConnection, district: str, today: date) -> list[dict[str, Any]]:
    rows = await conn.execute(
        select(
            cases_view.c.case_id,
            cases_view.c.opened_on,
            cases_view.c.children,
            cases_view.c.obligatory,
        )
        .where(cases_view.c.district == district, cases_view.c.status == "waiting")
        .order_by(cases_view.c.opened_on, cases_view.c.case_id)
    )
    return [
        {
            "case_id": row.case_id,
            "waiting_since": row.opened_on,
            "days_waiting": (today - row.opened_on).days,
            "children": row.children,
            "obligatory": row.obligatory,
        }
        for row in rows
    ]


async def operational_report(
    conn: AsyncConnection, *, district: str, today: date
) -> dict[str, Any]:
    """What a centre watches daily: caseload, waiting list, visits per family per week over
    the last 4 weeks (below 1 a week flagged), overdue assessments, court opinions due and
    overdue, families in monitoring."""
    caseload = await caseload_report(conn, district=district, today=today)
    window_start = today - timedelta(days=27)
    visits = (
        select(visits_view.c.case_id, func.count().label("visits"))
        .where(visits_view.c.visited_on >= window_start, visits_view.c.visited_on <= today)
        .group_by(visits_view.c.case_id)
        .subquery()
    )
    active_rows = (
        await conn.execute(
            select(
                cases_view.c.case_id,
                cases_view.c.assistant_id,
                cases_view.c.next_assessment_due,
                func.coalesce(visits.c.visits, 0).label("visits"),
            )
            .select_from(cases_view.outerjoin(visits, visits.c.case_id == cases_view.c.case_id))
            .where(cases_view.c.district == district, cases_view.c.status == ACTIVE)
            .order_by(cases_view.c.case_id)
        )
    ).all()
    frequency = [
        {
            "case_id": row.case_id,
            "assistant_id": row.assistant_id,
            "visits_last_4_weeks": row.visits,
            "visits_per_week": round(row.visits / 4, 2),
            "below_one_a_week": row.visits < 4,
        }
        for row in active_rows
    ]
    overdue = [
        {
            "case_id": row.case_id,
            "assistant_id": row.assistant_id,
            "due": row.next_assessment_due,
            "days_overdue": (today - row.next_assessment_due).days,
        }
        for row in active_rows
        if row.next_assessment_due is not None and row.next_assessment_due < today
    ]
    opinions = (
        await conn.execute(
            select(court_opinions_view)
            .where(
                court_opinions_view.c.district == district,
                court_opinions_view.c.submitted_on.is_(None),
            )
            .order_by(court_opinions_view.c.deadline)
        )
    ).all()
    monitoring = (
        await conn.execute(
            select(cases_view.c.case_id, cases_view.c.closed_on, cases_view.c.monitoring_until)
            .where(cases_view.c.district == district, cases_view.c.status == "monitoring")
            .order_by(cases_view.c.monitoring_until)
        )
    ).all()
    return {
        **caseload,
        "visit_frequency": frequency,
        "families_below_one_visit_a_week": sum(f["below_one_a_week"] for f in frequency),
        "overdue_assessments": sorted(overdue, key=lambda o: o["due"]),
        "court_opinions_due": [
            {
                "request_id": o.request_id,
                "case_id": o.case_id,
                "deadline": o.deadline,
                "days_left": (o.deadline - today).days,
            }
            for o in opinions
            if o.deadline >= today
        ],
        "court_opinions_overdue": [
            {
                "request_id": o.request_id,
                "case_id": o.case_id,
                "deadline": o.deadline,
                "days_overdue": (today - o.deadline).days,
            }
            for o in opinions
            if o.deadline < today
        ],
        "families_in_monitoring": [dict(row._mapping) for row in monitoring],
    }


def _work_start(row: Any) -> date:
    return row.work_started_on or row.assigned_on or row.opened_on  # type: ignore[no-any-return]


async def outcomes_report(
    conn: AsyncConnection, *, district: str | None, period: Period
) -> dict[str, Any]:
    """Of the work that ended in the period: reasons, durations, children who stayed with
    their families against those placed in foster care, and re-referrals within 12 months."""
    closed = (
        await conn.execute(
            select(cases_view).where(
                _in(cases_view.c.district, district),
                cases_view.c.closed_on >= period.start,
                cases_view.c.closed_on <= period.end,
            )
        )
    ).all()
    reasons = Counter(row.closure_reason for row in closed)
    durations = Counter(duration_bucket(_work_start(row), row.closed_on) for row in closed)
    children = sum(row.children for row in closed)
    placed = sum(row.children_placed or 0 for row in closed)
    referrals = (
        (
            await conn.execute(
                select(referrals_view.c.family_id, referrals_view.c.referred_on).where(
                    referrals_view.c.family_id.in_({row.family_id for row in closed})
                )
            )
        ).all()
        if closed
        else []
    )
    referred: dict[Any, list[date]] = {}
    for r in referrals:
        referred.setdefault(r.family_id, []).append(r.referred_on)
    re_referred = sum(
        1
        for row in closed
        if any(
            row.closed_on < d <= add_months(row.closed_on, 12)
            for d in referred.get(row.family_id, [])
        )
    )
    return {
        "district": district,
        "district_name": district_name(district) if district else "Warszawa",
        "period": period.as_dict(),
        "closures": len(closed),
        "closures_by_reason": [
            {"reason": reason, "label": label, "families": reasons.get(reason, 0)}
            for reason, label in CLOSURE_LABELS.items()
        ],
        "duration_of_work": [
            {"bucket": bucket, "label": label, "families": durations.get(bucket, 0)}
            for bucket, label in DURATION_LABELS.items()
        ],
        "children_stayed_with_family": children - placed,
        "children_placed_in_foster_care": placed,
        "re_referred_within_12_months": re_referred,
    }


async def statutory_report(
    conn: AsyncConnection, *, district: str | None, period: Period
) -> dict[str, Any]:
    """The assistant-related part of the semi-annual sprawozdanie rzeczowo-finansowe
    (Dz.U. 2019 poz. 1195): the figures a centre types into its CAS submission."""
    assistants = (
        await conn.execute(
            select(assistants_view.c.employment_form).where(
                _in(assistants_view.c.district, district),
                assistants_view.c.works_since <= period.end,
                assistants_view.c.ended_on.is_(None) | (assistants_view.c.ended_on >= period.start),
            )
        )
    ).all()
    forms = Counter(row.employment_form for row in assistants)
    served = (
        await conn.execute(
            select(cases_view).where(
                _in(cases_view.c.district, district),
                cases_view.c.assigned_on.is_not(None),
                cases_view.c.assigned_on <= period.end,
                cases_view.c.closed_on.is_(None) | (cases_view.c.closed_on >= period.start),
            )
        )
    ).all()
    ended = [row for row in served if row.closed_on is not None and row.closed_on <= period.end]
    reasons = Counter(row.closure_reason for row in ended)
    durations = Counter(
        duration_bucket(_work_start(row), min(row.closed_on or period.end, period.end))
        for row in served
    )
    families = {row.family_id for row in served}
    rows: list[dict[str, Any]] = [
        _line("assistants", "Liczba asystentów rodziny", len(assistants)),
        _line(
            "assistants_employment_contract",
            "w tym zatrudnionych na podstawie umowy o pracę",
            forms.get("employment_contract", 0),
        ),
        _line(
            "assistants_civil_law_contract",
            "w tym zatrudnionych na podstawie umowy cywilnoprawnej",
            forms.get("civil_law_contract", 0),
        ),
        _line("families", "Liczba rodzin korzystających z usług asystenta rodziny", len(families)),
        _line("children", "Liczba dzieci w tych rodzinach", sum(row.children for row in served)),
        _line(
            "families_court_obliged",
            "Liczba rodzin zobowiązanych przez sąd do współpracy z asystentem rodziny",
            len({row.family_id for row in served if row.source == "court_order"}),
        ),
        _line(
            "families_za_zyciem",
            "Liczba rodzin objętych wsparciem asystenta na podstawie ustawy „Za życiem”",
            len({row.family_id for row in served if row.source == "za_zyciem"}),
        ),
        _line("families_ended", "Liczba rodzin, z którymi zakończono współpracę", len(ended)),
    ]
    rows += [
        _line(f"ended_{reason}", f"w tym z powodu: {label}", reasons.get(reason, 0))
        for reason, label in CLOSURE_LABELS.items()
    ]
    rows += [
        _line(
            f"duration_{bucket}",
            f"Liczba rodzin, z którymi asystent pracował {label}",
            durations.get(bucket, 0),
        )
        for bucket, label in DURATION_LABELS.items()
    ]
    return {
        "district": district,
        "district_name": district_name(district) if district else "Warszawa",
        "period": period.as_dict(),
        "title": "Sprawozdanie rzeczowo-finansowe z wykonywania zadań z zakresu wspierania "
        "rodziny: asystent rodziny",
        "rows": rows,
    }


def _line(code: str, label: str, value: int) -> dict[str, Any]:
    return {"code": code, "label": label, "value": value}


async def city_report(conn: AsyncConnection, *, period: Period, today: date) -> dict[str, Any]:
    """All Warsaw districts side by side, with totals: counts only, no names at all."""
    status = (
        await conn.execute(
            select(cases_view.c.district, cases_view.c.status, func.count().label("n")).group_by(
                cases_view.c.district, cases_view.c.status
            )
        )
    ).all()
    overdue = (
        await conn.execute(
            select(cases_view.c.district, func.count().label("n"))
            .where(cases_view.c.status == ACTIVE, cases_view.c.next_assessment_due < today)
            .group_by(cases_view.c.district)
        )
    ).all()
    waits = (
        await conn.execute(
            select(cases_view.c.district, func.min(cases_view.c.opened_on).label("oldest"))
            .where(cases_view.c.status == "waiting")
            .group_by(cases_view.c.district)
        )
    ).all()
    closures = (
        await conn.execute(
            select(cases_view.c.district, func.count().label("n"))
            .where(cases_view.c.closed_on >= period.start, cases_view.c.closed_on <= period.end)
            .group_by(cases_view.c.district)
        )
    ).all()
    assistants = (
        await conn.execute(
            select(assistants_view.c.district, func.count().label("n"))
            .where(assistants_view.c.active.is_not(False))
            .group_by(assistants_view.c.district)
        )
    ).all()
    counts: dict[str, Counter[str]] = {}
    for row in status:
        counts.setdefault(row.district, Counter())[row.status] += row.n
    by = {
        "overdue_assessments": {r.district: r.n for r in overdue},
        "closures_in_period": {r.district: r.n for r in closures},
        "assistants": {r.district: r.n for r in assistants},
        "longest_wait_days": {r.district: (today - r.oldest).days for r in waits},
    }
    districts = sorted(set(WARSAW_DISTRICTS) | set(counts))
    rows = []
    for code in districts:
        c = counts.get(code, Counter())
        rows.append(
            {
                "district": code,
                "district_name": district_name(code),
                "assistants": by["assistants"].get(code, 0),
                "active_families": c["active"],
                "waiting_families": c["waiting"],
                "longest_wait_days": by["longest_wait_days"].get(code, 0),
                "families_in_monitoring": c["monitoring"],
                "overdue_assessments": by["overdue_assessments"].get(code, 0),
                "closures_in_period": by["closures_in_period"].get(code, 0),
            }
        )
    summed = (
        "assistants",
        "active_families",
        "waiting_families",
        "families_in_monitoring",
        "overdue_assessments",
        "closures_in_period",
    )
    totals = {key: sum(r[key] for r in rows) for key in summed}
    totals["longest_wait_days"] = max((r["longest_wait_days"] for r in rows), default=0)
    return {"period": period.as_dict(), "as_of": today, "districts": rows, "totals": totals}
