"""The assistant's pages: "Moje rodziny" and "Do zrobienia" (phone and desktop alike)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.cases import visits_this_week, with_files
from services.web.formatting import as_date, today_in_warsaw
from services.web.kernel import Page, for_roles
from services.web.tasks import TaskListDep

router = APIRouter()
AssistantPage = for_roles("assistant")


async def my_cases(page: Page) -> list[dict[str, Any]]:
    rows = await page.api.get(
        "casework",
        "/cases",
        district=page.user.district or None,
        assistant_id=page.user.subject,
    )
    mine = [r for r in rows if r.get("status") in ("active", "monitoring")]
    return await with_files(page.api, mine)


def flags(case: dict[str, Any], today: date, en: bool) -> list[str]:
    file = case.get("file") or {}
    out = []
    if case.get("status") == "active" and not case.get("consent_on") and not case.get("obligatory"):
        out.append("no consent" if en else "brak zgody")
    due = as_date(case.get("next_assessment_due"))
    if due and due < today:
        out.append("assessment overdue" if en else "ocena po terminie")
    for request in file.get("court_opinions", []):
        deadline = as_date(request.get("deadline"))
        if not request.get("submitted_on") and deadline and deadline < today:
            out.append("court opinion overdue" if en else "opinia dla sądu po terminie")
    last = as_date(case.get("last_visit_on"))
    if case.get("status") == "active" and (last is None or (today - last).days > 7):
        out.append("not seen for a week" if en else "brak wizyty od tygodnia")
    return out


@router.get("/assistant", dependencies=[TaskListDep])
async def my_families(page: Page = AssistantPage) -> Response:
    today = today_in_warsaw()
    cases = await my_cases(page)
    for case in cases:
        case["visits_week"] = visits_this_week(case.get("file"), today)
        case["flags"] = flags(case, today, page.lang == "en")
    cases.sort(key=lambda c: (-len(c["flags"]), c["family"]))
    return page.render(
        "pages/my_families.html", {"heading": page.t("nav.my_families"), "cases": cases}
    )


@router.get("/assistant/todo", dependencies=[TaskListDep])
async def todo(page: Page = AssistantPage) -> Response:
    today = today_in_warsaw()
    cases = await my_cases(page)
    assessments: list[dict[str, Any]] = []
    court: list[dict[str, Any]] = []
    unseen: list[dict[str, Any]] = []
    for case in cases:
        due = as_date(case.get("next_assessment_due"))
        if case["status"] == "active" and due and due <= today + timedelta(days=14):
            assessments.append({"case": case, "due": due})
        for request in (case.get("file") or {}).get("court_opinions", []):
            if not request.get("submitted_on"):
                court.append({"case": case, "request": request})
        last = as_date(case.get("last_visit_on"))
        if case["status"] == "active" and (last is None or (today - last).days > 7):
            unseen.append({"case": case, "last": last})
    assessments.sort(key=lambda i: str(i["due"]))
    court.sort(key=lambda i: str(i["request"].get("deadline")))
    return page.render(
        "pages/todo.html",
        {
            "heading": page.t("nav.todo"),
            "assessments": assessments,
            "court": court,
            "unseen": unseen,
        },
    )
