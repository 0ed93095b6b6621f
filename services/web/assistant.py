"""The assistant's pages: "Moje rodziny" and "Do zrobienia" (phone and desktop alike). Each is
read from casework's list answers (names, visits and flags included), one call per list."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.families import labelled
from services.web.formatting import as_date, today_in_warsaw
from services.web.kernel import Page, for_roles
from services.web.tasks import TaskListDep

router = APIRouter()
AssistantPage = for_roles("assistant")


async def my_cases(page: Page) -> list[dict[str, Any]]:
    """The families the assistant works with or monitors (casework lists only their own)."""
    rows = await page.api.get("casework", "/cases", district=page.user.district or None)
    mine = [r for r in rows if r.get("status") in ("active", "monitoring")]
    return labelled(mine, page.lang)


def flags(case: dict[str, Any], en: bool) -> list[str]:
    """What needs the assistant's attention, in words (the service computed each flag)."""
    out = []
    if case.get("status") == "active" and not case.get("consent_on") and not case.get("obligatory"):
        out.append("no consent" if en else "brak zgody")
    if case.get("assessment_overdue"):
        out.append("assessment overdue" if en else "ocena po terminie")
    if case.get("court_opinion_overdue"):
        out.append("court opinion overdue" if en else "opinia dla sądu po terminie")
    if case.get("not_seen_for_7_days"):
        out.append("not seen for a week" if en else "brak wizyty od tygodnia")
    return out


@router.get("/assistant", dependencies=[TaskListDep])
async def my_families(page: Page = AssistantPage) -> Response:
    cases = await my_cases(page)
    for case in cases:
        case["flags"] = flags(case, page.lang == "en")
    cases.sort(key=lambda c: (-len(c["flags"]), c["family_name"], c["family"]))
    return page.render(
        "pages/my_families.html", {"heading": page.t("nav.my_families"), "cases": cases}
    )


@router.get("/assistant/todo", dependencies=[TaskListDep])
async def todo(page: Page = AssistantPage) -> Response:
    today = today_in_warsaw()
    cases = await my_cases(page)
    assessments: list[dict[str, Any]] = []
    for case in cases:
        due = as_date(case.get("next_assessment_due"))
        if case["status"] == "active" and due and due <= today + timedelta(days=14):
            assessments.append({"case": case, "due": due})
    assessments.sort(key=lambda i: str(i["due"]))
    # The court's requests still to answer: casework lists only the assistant's own.
    opinions = await page.api.get(
        "casework", "/court-opinions", district=page.user.district or None
    )
    court = [
        {"case": labelled([o], page.lang)[0], "request": o}
        for o in sorted(opinions, key=lambda o: str(o.get("deadline")))
    ]
    unseen = [
        {"case": c, "last": as_date(c.get("last_visit_on"))}
        for c in cases
        if c.get("not_seen_for_7_days")
    ]
    return page.render(
        "pages/todo.html",
        {
            "heading": page.t("nav.todo"),
            "assessments": assessments,
            "court": court,
            "unseen": unseen,
        },
    )
