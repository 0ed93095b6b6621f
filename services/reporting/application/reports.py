"""The reports, counted from the projections when asked for."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.tables import assistants_view, cases_view
from shared.districts import district_name
from shared.events import CASELOAD_LIMIT


async def caseload_report(conn: AsyncConnection, *, district: str, today: date) -> dict[str, Any]:
    """Per assistant of the district: active families against the limit; and the families
    granted an assistant who still wait for one, longest waiting first."""
    active = (
        select(cases_view.c.assistant_id, func.count().label("active"))
        .where(cases_view.c.status == "active")
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
    waiting_rows = await conn.execute(
        select(
            cases_view.c.case_id,
            cases_view.c.opened_on,
            cases_view.c.children,
            cases_view.c.obligatory,
        )
        .where(cases_view.c.district == district, cases_view.c.status == "waiting")
        .order_by(cases_view.c.opened_on, cases_view.c.case_id)
    )
    waiting = [
        {
            "case_id": row.case_id,
            "waiting_since": row.opened_on,
            "days_waiting": (today - row.opened_on).days,
            "children": row.children,
            "obligatory": row.obligatory,
        }
        for row in waiting_rows
    ]
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
