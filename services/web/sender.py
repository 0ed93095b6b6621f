"""A school's pedagogue and a court's clerk: send a notification, a court order or a request
for an opinion, and see the status of what they sent, nothing more about the family.

The services have no list of a sender's notifications yet, so the ids of what this person
sent are kept in their session (references, not case data) and each status is read from
GET /notifications/{id}."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.clients import ApiError, gather_limited
from services.web.forms import Form, form_context
from services.web.kernel import Page, checked_form, for_roles
from services.web.social import member_field_names, read_members
from shared.domain.districts import WARSAW_DISTRICTS

router = APIRouter()
SenderPage = for_roles("school", "court")
KEEP_SENT = 20
COURT_ROWS = 4


def _districts() -> list[tuple[str, str]]:
    return sorted(WARSAW_DISTRICTS.items(), key=lambda item: item[1])


def _form_page(page: Page, form: Form | None, status_code: int = 200) -> Response:
    template = "pages/send_school.html" if page.user.role == "school" else "pages/send_court.html"
    return page.render(
        template,
        {
            "heading": page.t("nav.send"),
            "districts": _districts(),
            "rows": COURT_ROWS,
            **form_context(form),
        },
        status_code=status_code,
    )


@router.get("/sender/new")
async def new_notification(page: Page = SenderPage) -> Response:
    return _form_page(page, None)


def _member(form: Form, prefix: str, role: str) -> dict[str, Any] | None:
    first = form.get(f"{prefix}-first_name")
    last = form.get(f"{prefix}-last_name")
    pesel = form.pesel(f"{prefix}-pesel")
    birth = form.day(f"{prefix}-birth_date")
    if not (first or last or pesel or birth):
        return None
    member: dict[str, Any] = {"role": role, "first_name": first, "last_name": last, "pesel": pesel}
    if birth:
        member["birth_date"] = birth
    document = form.optional(f"{prefix}-document_number")
    if document:
        member["document_number"] = document
    return member


def _school_body(form: Form) -> dict[str, Any]:
    pupil = _member(form, "pupil", "child")
    if pupil is None:
        form.fail("pupil-first_name", form.message("error.required"))
    parents = [p for p in (_member(form, f"parent-{i}", "parent") for i in range(2)) if p]
    return {
        "school": {
            "regon": form.get("regon", required=True),
            "name": form.get("school_name", required=True),
        },
        "reference": form.get("reference", required=True),
        "district": form.get("district", required=True),
        "pupil": pupil or {},
        "parents": parents,
        "problem": form.get("problem", required=True),
        "description": form.get("description"),
    }


def _school_names() -> dict[str, str]:
    names = {"school.regon": "regon", "school.name": "school_name"}
    for key in ("first_name", "last_name", "pesel", "birth_date", "document_number"):
        names[f"pupil.{key}"] = f"pupil-{key}"
        for i in range(2):
            names[f"parents.{i}.{key}"] = f"parent-{i}-{key}"
    names["pupil"] = "pupil-first_name"
    return names


def _court_body(form: Form) -> dict[str, Any]:
    kind = form.get("kind", required=True)
    deadline = form.day("deadline", required=kind == "opinion_request")
    return {
        "court": {"name": form.get("court_name", required=True)},
        "case_signature": form.get("case_signature", required=True),
        "kind": kind,
        "district": form.get("district", required=True),
        "members": read_members(form, COURT_ROWS),
        "issued_on": form.day("issued_on"),
        "deadline": deadline,
        "description": form.get("description"),
    }


@router.post("/sender/new")
async def send(page: Page = SenderPage) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    school = page.user.role == "school"
    body = _school_body(form) if school else _court_body(form)
    if form.ok:
        path = "/notifications/school" if school else "/notifications/court"
        try:
            answer = await page.api.post("referrals", path, body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            form.absorb(
                exc,
                _school_names()
                if school
                else {**member_field_names(rows=COURT_ROWS), "court.name": "court_name"},
            )
        else:
            sent = [answer["notification_id"], *page.request.session.get("sent", [])]
            page.request.session["sent"] = list(dict.fromkeys(sent))[:KEEP_SENT]
            return page.redirect(
                "/sender",
                flash="Wysłano. Ośrodek otrzymał zgłoszenie." if page.lang == "pl" else "Sent.",
            )
    return _form_page(page, form, status_code=422)


@router.get("/sender")
async def sent(page: Page = SenderPage) -> Response:
    ids = [str(i) for i in page.request.session.get("sent", [])]
    answers = await gather_limited(
        page.api.get_or_none("referrals", f"/notifications/{i}") for i in ids
    )
    rows = [a for a in answers if a]
    return page.render("pages/sent.html", {"heading": page.t("nav.sent"), "rows": rows})
