"""A family's case file and the forms that change it (consent, visit, plan, assessment, court
requests and opinions, assignment), for the assistant and the head; the services decide who
may do what, the pages only offer what the role usually does."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.catalogue import label
from services.web.clients import Api, ApiError
from services.web.families import family_name, person_name
from services.web.formatting import as_date, plural_pl
from services.web.forms import Form, form_context
from services.web.kernel import Page, PageDep, checked_form
from shared.domain.districts import WARSAW_DISTRICTS

router = APIRouter()

CASE_ROLES = ("assistant", "head", "social_worker")


async def assistant_names(api: Api, district: str) -> dict[str, str]:
    """assistant_id -> "First Last" for a district (empty if the directory refuses)."""
    rows = await api.get_or_none("directory", "/assistants", district=district or None) or []
    return {str(a["assistant_id"]): f"{a['first_name']} {a['last_name']}" for a in rows}


def timeline(file: dict[str, Any], lang: str, names: dict[str, str]) -> list[dict[str, Any]]:
    """Everything that happened on the case, newest first, in words."""
    en = lang == "en"
    items: list[dict[str, Any]] = []

    def add(on: Any, what: str, detail: str = "", at: Any = "") -> None:
        items.append({"on": as_date(on), "what": what, "detail": detail, "at": str(at or "")})

    add(
        file.get("opened_on"),
        "Case opened" if en else "Założenie sprawy",
        label("source", file.get("source"), lang),
    )
    for a in file.get("assignments", []):
        who = names.get(str(a.get("assistant_id")), "")
        add(
            a.get("assigned_on"),
            "Assistant assigned" if en else "Przydział asystenta",
            who,
            a.get("recorded_at"),
        )
    if file.get("consent"):
        c = file["consent"]
        add(
            c.get("given_on"),
            "Consent signed" if en else "Zgoda rodziny",
            ", ".join(c.get("signed_by", [])),
            c.get("recorded_at"),
        )
    for v in file.get("visits", []):
        topics = ", ".join(label("visit_topic", t, lang) for t in v.get("topics", []))
        add(
            v.get("visited_on"),
            "Visit" if en else "Wizyta",
            f"{v.get('duration_minutes')} min, {label('visit_place', v.get('place'), lang)}: "
            f"{topics}",
            v.get("recorded_at"),
        )
    for p in file.get("plan_history", []):
        add(
            p.get("updated_on"),
            (f"Plan, version {p.get('plan_version')}")
            if en
            else f"Plan pracy, wersja {p.get('plan_version')}",
            f"{len(p.get('actions', []))} "
            + (
                "actions"
                if en
                else plural_pl(len(p.get("actions", [])), "działanie", "działania", "działań")
            ),
            p.get("recorded_at"),
        )
    for s in file.get("assessments", []):
        add(s.get("assessed_on"), "Assessment" if en else "Ocena sytuacji rodziny")
    for r in file.get("court_opinions", []):
        add(
            r.get("requested_on"),
            "Court asks for an opinion" if en else "Sąd prosi o opinię",
            f"{r.get('court_name')}, {r.get('case_signature')}",
        )
        if r.get("submitted_on"):
            add(r.get("submitted_on"), "Opinion sent to court" if en else "Opinia wysłana do sądu")
    for c in file.get("closures", []):
        add(*_closure_entry(c, lang))
    for t in file.get("transfers", []):
        add(
            t.get("transferred_on") or t.get("decided_on"),
            "Transfer" if en else "Przekazanie sprawy",
            str(t.get("event", "")),
        )
    # Newest first; within a day, in the order they were recorded.
    items.sort(key=lambda i: (i["on"] or date.min, i["at"]), reverse=True)
    return items


def _closure_entry(c: dict[str, Any], lang: str) -> tuple[Any, str, str]:
    """A closure, a reopening or the end of monitoring as a timeline entry: (on, what, detail)."""
    en = lang == "en"
    kind = str(c.get("event", ""))
    if kind == "CaseClosed":
        return (
            c.get("closed_on"),
            "Case closed" if en else "Zakończenie pracy",
            label("closure_reason", c.get("reason"), lang),
        )
    if kind == "CaseReopened":
        return c.get("reopened_on"), "Case reopened" if en else "Wznowienie pracy", ""
    return c.get("ended_on"), "Monitoring ended" if en else "Koniec monitorowania", ""


async def _case_page(
    page: Page, case_id: str, forms: dict[str, Form] | None = None, status_code: int = 200
) -> Response:
    file = await page.api.get("casework", f"/cases/{case_id}")
    names = await assistant_names(page.api, file["district"])
    members = file.get("members", [])
    capacity: list[dict[str, Any]] = []
    if page.user.role == "head" and file["status"] in ("waiting", "active"):
        rows = await page.api.get_or_none(
            "casework", "/assistants/capacity", district=file["district"]
        )
        capacity = [
            {**row, "name": names.get(str(row["assistant_id"]), "?")}
            for row in rows or []
            if row.get("working", True)
        ]
        capacity.sort(key=lambda r: (-int(r["free_places"]), r["name"]))
    # The head's decision and its justification, from the referral (an assistant's token may
    # not read referrals: then it is simply not shown).
    referral = None
    if file.get("referral_id") and page.user.role in ("head", "social_worker"):
        referral = await page.api.get_or_none("referrals", f"/referrals/{file['referral_id']}")
    contexts = {name: form_context(form) for name, form in (forms or {}).items()}
    return page.render(
        "pages/case.html",
        {
            "heading": family_name(members, page.lang),
            "file": file,
            "members": members,
            "assistant_name": names.get(str(file.get("assistant_id")), ""),
            "timeline": timeline(file, page.lang, names),
            "capacity": capacity,
            "decision": (referral or {}).get("decision"),
            "districts": sorted(
                (
                    (code, name)
                    for code, name in WARSAW_DISTRICTS.items()
                    if code != file["district"]
                ),
                key=lambda item: item[1],
            ),
            "forms": contexts,
            "person_name": person_name,
        },
        status_code=status_code,
    )


@router.get("/cases/{case_id}")
async def case_page(case_id: str, page: PageDep) -> Response:
    return await _case_page(page, case_id)


async def _submit(
    page: Page,
    case_id: str,
    form_name: str,
    form: Form,
    method: str,
    path: str,
    body: dict[str, Any],
    done: str,
    field_names: dict[str, str] | None = None,
) -> Response:
    if form.ok:
        try:
            await page.api.call("casework", method, path, json=body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            form.absorb(exc, field_names)
        else:
            return page.redirect(f"/cases/{case_id}", flash=done)
    return await _case_page(page, case_id, {form_name: form}, status_code=422)


@router.post("/cases/{case_id}/visits")
async def log_visit(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "visited_on": form.day("visited_on", required=True),
        "duration_minutes": form.number("duration_minutes", required=True),
        "place": form.get("place") or "home",
        "present": [p.strip() for p in form.get("present").split(",") if p.strip()],
        "topics": form.many("topics", required=True),
        "note": form.get("note"),
    }
    return await _submit(
        page,
        case_id,
        "visit",
        form,
        "POST",
        f"/cases/{case_id}/visits",
        body,
        "Zapisano wizytę." if page.lang == "pl" else "Visit saved.",
    )


@router.post("/cases/{case_id}/consent")
async def record_consent(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    signed = [s.strip() for s in form.get("signed_by", required=True).split(",") if s.strip()]
    body = {"given_on": form.day("given_on", required=True), "signed_by": signed}
    return await _submit(
        page,
        case_id,
        "consent",
        form,
        "POST",
        f"/cases/{case_id}/consent",
        body,
        "Zapisano zgodę rodziny." if page.lang == "pl" else "Consent saved.",
    )


PLAN_ROWS = 5


@router.post("/cases/{case_id}/plan")
async def revise_plan(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    actions = []
    for i in range(PLAN_ROWS):
        description = form.get(f"action-{i}-description")
        if not description:
            continue
        actions.append(
            {
                "description": description,
                "deadline": form.day(f"action-{i}-deadline", required=True),
                "expected_effect": form.get(f"action-{i}-expected_effect", required=True),
            }
        )
    if not actions:
        form.fail(
            "action-0-description",
            "Wpisz co najmniej jedno działanie" if page.lang == "pl" else "Enter an action",
        )
    body = {
        "actions": actions,
        "agreed_with_social_worker": form.get("agreed_with_social_worker", required=True),
    }
    names = {
        f"actions.{i}.{k}": f"action-{i}-{k}"
        for i in range(PLAN_ROWS)
        for k in ("description", "deadline", "expected_effect")
    }
    names["agreed_with_social_worker"] = "agreed_with_social_worker"
    return await _submit(
        page,
        case_id,
        "plan",
        form,
        "PUT",
        f"/cases/{case_id}/plan",
        body,
        "Zapisano nową wersję planu." if page.lang == "pl" else "Plan revised.",
        names,
    )


@router.post("/cases/{case_id}/assessments")
async def assess(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "assessed_on": form.day("assessed_on", required=True),
        "summary": form.get("summary", required=True),
    }
    return await _submit(
        page,
        case_id,
        "assessment",
        form,
        "POST",
        f"/cases/{case_id}/assessments",
        body,
        "Zapisano ocenę sytuacji rodziny." if page.lang == "pl" else "Assessment saved.",
    )


@router.post("/cases/{case_id}/court-opinions")
async def court_request(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "court_name": form.get("court_name", required=True),
        "case_signature": form.get("case_signature", required=True),
        "requested_on": form.day("requested_on", required=True),
        "deadline": form.day("deadline", required=True),
    }
    return await _submit(
        page,
        case_id,
        "court_request",
        form,
        "POST",
        f"/cases/{case_id}/court-opinions",
        body,
        "Zapisano prośbę sądu." if page.lang == "pl" else "Court request saved.",
    )


@router.post("/cases/{case_id}/court-opinions/{request_id}")
async def court_opinion(case_id: str, request_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "submitted_on": form.day("submitted_on", required=True),
        "summary": form.get("opinion", required=True),
    }
    return await _submit(
        page,
        case_id,
        "opinion",
        form,
        "POST",
        f"/cases/{case_id}/court-opinions/{request_id}/submission",
        body,
        "Wysłano opinię do sądu." if page.lang == "pl" else "Opinion submitted.",
        {"summary": "opinion"},
    )


async def _one_field(
    page: Page,
    case_id: str,
    *,
    form_name: str,
    field: str,
    action: str,
    done: tuple[str, str],
    body_field: str | None = None,
) -> Response:
    """A form of one required field posted to /cases/{case_id}/{action} (the assignment, a
    transfer, a reopening); `body_field` when the service names the field differently."""
    form = Form(await checked_form(page.request), page.lang)
    name = body_field or field
    body = {name: form.get(field, required=True)}
    return await _submit(
        page,
        case_id,
        form_name,
        form,
        "POST",
        f"/cases/{case_id}/{action}",
        body,
        done[1] if page.lang == "en" else done[0],
        {name: field} if body_field else None,
    )


@router.post("/cases/{case_id}/assignment")
async def assign(case_id: str, page: PageDep) -> Response:
    return await _one_field(
        page,
        case_id,
        form_name="assignment",
        field="assistant_id",
        action="assignment",
        done=("Przydzielono asystenta.", "Assistant assigned."),
    )


@router.post("/cases/{case_id}/transfer/decision")
async def transfer_decision(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    decision = form.get("decision", required=True)
    reason = form.get("reason", required=decision == "declined")
    return await _submit(
        page,
        case_id,
        "transfer",
        form,
        "POST",
        f"/cases/{case_id}/transfer/decision",
        {"decision": decision, "reason": reason},
        "Zapisano decyzję." if page.lang == "pl" else "Decision saved.",
    )


@router.post("/cases/{case_id}/reopening")
async def reopen(case_id: str, page: PageDep) -> Response:
    return await _one_field(
        page,
        case_id,
        form_name="reopening",
        field="reopen_reason",
        body_field="reason",
        action="reopening",
        done=("Wznowiono pracę z rodziną.", "Case reopened."),
    )


@router.post("/cases/{case_id}/transfer")
async def transfer(case_id: str, page: PageDep) -> Response:
    return await _one_field(
        page,
        case_id,
        form_name="transfer_out",
        field="to_district",
        action="transfer",
        done=("Przekazano sprawę do innego ośrodka.", "Case transferred to another centre."),
    )


@router.post("/cases/{case_id}/closure")
async def close(case_id: str, page: PageDep) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "reason": form.get("reason", required=True),
        "closed_on": form.day("closed_on"),
        "note": form.get("note"),
        "children_placed_in_foster_care": form.number("children_placed_in_foster_care") or 0,
    }
    return await _submit(
        page,
        case_id,
        "closure",
        form,
        "POST",
        f"/cases/{case_id}/closure",
        body,
        "Zakończono pracę z rodziną." if page.lang == "pl" else "Case closed.",
    )
