"""The administrator's pages: assistants (the login each signs in with, the address of each
one's daily digest), institutions (the
directory's search), the audit trail of a family, and the erasure of a family with a
confirmation step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.web.clients import ApiError
from services.web.forms import Form, form_context
from services.web.kernel import Page, checked_form, for_roles
from shared.domain.districts import WARSAW_DISTRICTS

router = APIRouter()
AdminPage = for_roles("admin")
CONFIRM_WORD = "USUŃ"


def _districts() -> list[tuple[str, str]]:
    return sorted(WARSAW_DISTRICTS.items(), key=lambda item: item[1])


@router.get("/admin/assistants")
async def assistants(
    page: Page = AdminPage, district: str | None = None, q: str | None = None
) -> Response:
    rows = await page.api.get("directory", "/assistants", district=district or None)
    if q:
        # The directory has no name search for assistants: the list is filtered here.
        needle = q.casefold()
        rows = [r for r in rows if needle in f"{r['first_name']} {r['last_name']}".casefold()]
    rows.sort(key=lambda r: (r["last_name"], r["first_name"]))
    return page.render(
        "pages/admin_assistants.html",
        {
            "heading": page.t("nav.assistants"),
            "rows": rows,
            "districts": _districts(),
            "filters": {"district": district or "", "q": q or ""},
        },
    )


def _register_page(page: Page, form: Form | None, status_code: int = 200) -> Response:
    return page.render(
        "pages/admin_register_assistant.html",
        {
            "heading": "Nowy asystent rodziny" if page.lang == "pl" else "New family assistant",
            "districts": _districts(),
            **form_context(form),
        },
        status_code=status_code,
    )


@router.get("/admin/assistants/new")
async def new_assistant(page: Page = AdminPage) -> Response:
    return _register_page(page, None)


@router.post("/admin/assistants/new")
async def register_assistant(page: Page = AdminPage) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "first_name": form.get("first_name", required=True),
        "last_name": form.get("last_name", required=True),
        "district": form.get("district", required=True),
        "employment_form": form.get("employment_form", required=True),
        "works_since": form.day("works_since"),
        "working_time": form.optional("working_time"),
        "hours_per_week": form.number("hours_per_week"),
        "login": form.optional("login"),
        "email": form.optional("email"),
    }
    if form.ok:
        try:
            await page.api.post("directory", "/assistants", body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            _absorb_login(form, exc)
        else:
            return page.redirect(
                "/admin/assistants",
                flash="Zarejestrowano asystenta." if page.lang == "pl" else "Assistant registered.",
            )
    return _register_page(page, form, status_code=422)


def _absorb_login(form: Form, exc: ApiError) -> None:
    """A login another assistant has (409) goes beside the login field, like a 422 would; the
    directory's refusal of an address, beside the e-mail field."""
    kind = str(exc.problem.get("type", ""))
    if kind.endswith("/login-taken"):
        form.fail("login", exc.detail or exc.title)
    elif kind.endswith("/invalid-email"):
        form.fail("email", exc.detail or exc.title)
    else:
        form.absorb(exc)


@dataclass(frozen=True)
class AssistantField:
    """One field of an assistant's record the administrator changes on a page of its own."""

    name: str  # the form's field, the directory's body key and the path's last segment
    input_type: str
    max_length: int
    statuses: tuple[int, ...]  # the directory's refusals shown beside the field


ASSISTANT_FIELDS = {
    # The login they sign in with (empty: unlink); a login another assistant has is a 409.
    "login": AssistantField("login", "text", 64, (409, 422)),
    # The address of their daily digest (empty: remove it).
    "email": AssistantField("email", "email", 254, (422,)),
}


def _field_page(
    page: Page,
    field: AssistantField,
    assistant: dict[str, Any],
    form: Form | None,
    status_code: int = 200,
) -> Response:
    context = form_context(form)
    if form is None:
        context["values"] = {field.name: assistant.get(field.name) or ""}
    return page.render(
        "pages/admin_assistant_field.html",
        {
            "heading": page.t(f"assistant_{field.name}.heading"),
            "assistant": assistant,
            "field": field,
            **context,
        },
        status_code=status_code,
    )


# The fields with a page of their own (another name is a bad address).
FieldName = Literal["login", "email"]


@router.get("/admin/assistants/{assistant_id}/{name}")
async def assistant_field(assistant_id: UUID, name: FieldName, page: Page = AdminPage) -> Response:
    field = ASSISTANT_FIELDS[name]
    assistant = await page.api.get("directory", f"/assistants/{assistant_id}")
    return _field_page(page, field, assistant, None)


@router.post("/admin/assistants/{assistant_id}/{name}")
async def change_assistant_field(
    assistant_id: UUID, name: FieldName, page: Page = AdminPage
) -> Response:
    field = ASSISTANT_FIELDS[name]
    form = Form(await checked_form(page.request), page.lang)
    value = form.optional(field.name)
    assistant = await page.api.get("directory", f"/assistants/{assistant_id}")
    try:
        await page.api.put(
            "directory", f"/assistants/{assistant_id}/{field.name}", {field.name: value}
        )
    except ApiError as exc:
        if exc.status not in field.statuses:
            raise
        _absorb_login(form, exc)
        return _field_page(page, field, assistant, form, status_code=exc.status)
    return page.redirect("/admin/assistants", flash=page.t(f"assistant_{field.name}.saved"))


@router.get("/admin/institutions")
async def institutions(
    page: Page = AdminPage,
    q: str | None = None,
    district: str | None = None,
    category: str | None = None,
) -> Response:
    rows = await page.api.get(
        "directory",
        "/institutions",
        q=q or None,
        district=district or None,
        category=category or None,
        limit=100,
    )
    context = {
        "heading": page.t("nav.institutions"),
        "rows": rows,
        "districts": _districts(),
        "filters": {"q": q or "", "district": district or "", "category": category or ""},
    }
    # htmx asks for the results alone as the person types.
    if page.request.headers.get("hx-request"):
        return page.render("pages/admin_institutions.html", context, block="results")
    return page.render("pages/admin_institutions.html", context)


@router.get("/admin/audit")
async def audit(page: Page = AdminPage, family_id: str | None = Query(None)) -> Response:
    entries: list[dict[str, Any]] = []
    error = None
    if family_id:
        try:
            UUID(family_id)
        except ValueError:
            error = "Nieprawidłowy identyfikator rodziny" if page.lang == "pl" else "Invalid id"
        else:
            for service in ("referrals", "casework"):
                try:
                    rows = await page.api.get(service, "/audit", family_id=family_id)
                except ApiError as exc:
                    if exc.status >= 500:
                        raise
                    rows = []
                entries.extend({**r, "service": service} for r in rows)
            entries.sort(key=lambda e: str(e.get("at")), reverse=True)
    retained = await page.api.get_or_none("casework", "/retention") or []
    return page.render(
        "pages/admin_audit.html",
        {
            "heading": page.t("nav.audit"),
            "entries": entries,
            "family_id": family_id or "",
            "errors": {"family_id": error} if error else {},
            "retained": retained,
            "parse_time": datetime.fromisoformat,
        },
    )


def _erasure_page(page: Page, form: Form | None, step: str, status_code: int = 200) -> Response:
    return page.render(
        "pages/admin_erasure.html",
        {
            "heading": page.t("nav.erasure"),
            "step": step,
            "confirm_word": CONFIRM_WORD,
            **form_context(form),
        },
        status_code=status_code,
    )


@router.get("/admin/erasure")
async def erasure(page: Page = AdminPage) -> Response:
    return _erasure_page(page, None, "ask")


@router.post("/admin/erasure")
async def erasure_check(page: Page = AdminPage) -> Response:
    """First step: check what was typed and show it back before anything is erased."""
    form = Form(await checked_form(page.request), page.lang)
    family_id = form.get("family_id", required=True)
    form.get("reason", required=True)
    if family_id:
        try:
            UUID(family_id)
        except ValueError:
            form.fail(
                "family_id",
                "Nieprawidłowy identyfikator rodziny" if page.lang == "pl" else "Invalid id",
            )
    if not form.ok:
        return _erasure_page(page, form, "ask", status_code=422)
    return _erasure_page(page, form, "confirm")


@router.post("/admin/erasure/confirm")
async def erasure_confirm(page: Page = AdminPage) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    family_id = form.get("family_id", required=True)
    reason = form.get("reason", required=True)
    if form.get("confirm") != CONFIRM_WORD:
        form.fail("confirm", page.t("error.confirm"))
    if form.ok:
        try:
            await page.api.post("referrals", f"/families/{family_id}/erasure", {"reason": reason})
        except ApiError as exc:
            if exc.status not in (404, 409, 422):
                raise
            form.absorb(exc)
        else:
            return page.redirect(
                "/admin/erasure",
                flash="Dane osobowe rodziny usunięto we wszystkich usługach."
                if page.lang == "pl"
                else "The family's personal data was erased.",
            )
    return _erasure_page(page, form, "confirm", status_code=422)
