"""The head's pages: the desk, referrals awaiting a decision and the decision, the waiting
list, the assistants' caseload as a chart."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.charts import bar_chart
from services.web.clients import ApiError
from services.web.families import family_name, labelled, person_name
from services.web.forms import Form, form_context
from services.web.kernel import Page, checked_form, for_roles
from services.web.tasks import load_task_list

router = APIRouter()
HeadPage = for_roles("head")
ReferralPage = for_roles("head", "social_worker")


async def district_referrals(
    page: Page, status: str | None, *, mine: bool = False
) -> list[dict[str, Any]]:
    """The district's referrals (`mine`: those the signed-in person recorded), named, those
    waited on longest first: one call, the list answer carries the family's name, children,
    source and days waited."""
    rows = await page.api.get(
        "referrals",
        "/referrals",
        district=page.user.district,
        status=status,
        mine="true" if mine else None,
    )
    out = labelled(rows, page.lang)
    out.sort(key=lambda r: (-(r.get("days_waited") or -1), str(r.get("referred_on"))))
    return out


@router.get("/head")
async def desk(page: Page = HeadPage) -> Response:
    district = page.user.district
    # One call per list, all at once, the reminders among them: the desk waits for the
    # slowest list, not their sum.
    awaiting, waiting, overdue, opinions, transfers, _tasks = await asyncio.gather(
        district_referrals(page, "awaiting_decision"),
        page.api.get("casework", "/waiting-list", district=district),
        page.api.get("casework", "/assessments/overdue", district=district),
        page.api.get("casework", "/court-opinions", district=district),
        page.api.get("casework", "/cases", district=district, status="transfer_pending"),
        load_task_list(page),
    )
    return page.render(
        "pages/head_desk.html",
        {
            "heading": page.t("nav.desk"),
            "awaiting": awaiting,
            "waiting_count": len(waiting),
            "overdue": labelled(overdue, page.lang),
            "opinions": labelled(
                [o for o in opinions if o.get("overdue") or o.get("days_left", 99) <= 14],
                page.lang,
            ),
            "transfers": labelled(transfers, page.lang),
        },
    )


@router.get("/head/referrals")
async def referrals(page: Page = HeadPage, status: str | None = "awaiting_decision") -> Response:
    rows = await district_referrals(page, status or None)
    return page.render(
        "pages/head_referrals.html",
        {"heading": page.t("nav.referrals"), "referrals": rows, "status": status or ""},
    )


async def _referral_page(
    page: Page,
    referral_id: str,
    form: Form | None = None,
    status_code: int = 200,
    *,
    confirm_decline: bool = False,
) -> Response:
    referral = await page.api.get("referrals", f"/referrals/{referral_id}")
    case = None
    if referral.get("status") == "granted":
        found = await page.api.get_or_none("casework", "/cases", referral_id=referral_id)
        case = found[0] if found else None
    return page.render(
        "pages/referral.html",
        {
            "heading": family_name(referral.get("members"), page.lang),
            "referral": referral,
            "case": case,
            "person_name": person_name,
            "confirm_decline": confirm_decline,
            **form_context(form),
        },
        status_code=status_code,
    )


@router.get("/referrals/{referral_id}")
async def referral(referral_id: str, page: Page = ReferralPage) -> Response:
    return await _referral_page(page, referral_id)


@router.post("/referrals/{referral_id}/decision")
async def decide(referral_id: str, page: Page = HeadPage) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    decision = form.get("decision", required=True)
    # The head writes why, for a grant as for a refusal (kept with the decision).
    reason = form.get("reason")
    if not reason:
        form.fail("reason", page.t("error.justification"))
    if form.ok and decision == "declined" and form.get("confirmed") != "yes":
        # A refusal cannot be undone: the head checks it once more before it is sent.
        return await _referral_page(page, referral_id, form, confirm_decline=True)
    if form.ok:
        try:
            await page.api.post(
                "referrals",
                f"/referrals/{referral_id}/decision",
                {"decision": decision, "reason": reason},
            )
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            form.absorb(exc)
        else:
            return page.redirect(
                f"/referrals/{referral_id}",
                flash="Zapisano decyzję." if page.lang == "pl" else "Decision saved.",
            )
    return await _referral_page(page, referral_id, form, status_code=422)


@router.get("/head/waiting")
async def waiting(page: Page = HeadPage) -> Response:
    rows = await page.api.get("casework", "/waiting-list", district=page.user.district)
    cases = labelled(rows, page.lang)
    return page.render(
        "pages/head_waiting.html", {"heading": page.t("nav.waiting"), "cases": cases}
    )


@router.get("/head/caseload")
async def caseload(page: Page = HeadPage) -> Response:
    report = await page.api.get("reporting", "/reports/caseload", district=page.user.district)
    assistants = report.get("assistants", [])
    chart = bar_chart(
        [(a["name"], int(a["active_families"])) for a in assistants],
        limit=int(report.get("limit", 15)),
        title=("Families per assistant" if page.lang == "en" else "Rodziny na asystenta"),
        limit_label=("limit" if page.lang == "en" else "limit ustawowy"),
    )
    return page.render(
        "pages/head_caseload.html",
        {"heading": page.t("nav.caseload"), "report": report, "chart": chart},
    )
