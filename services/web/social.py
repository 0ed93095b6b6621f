"""The social worker's pages: a new referral (family members with PESEL checked in the
browser and here), the family interview, and the district's referrals."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.clients import ApiError
from services.web.forms import Form, form_context
from services.web.head import _referral_page, district_referrals
from services.web.kernel import Page, checked_form, for_roles

router = APIRouter()
SocialPage = for_roles("social_worker", "head")
MEMBER_ROWS = 6
REFERRAL_SOURCES = ("social_worker", "family", "za_zyciem", "minor_parent", "institution")


def read_members(form: Form, rows: int = MEMBER_ROWS, prefix: str = "m") -> list[dict[str, Any]]:
    """Member rows of a form (m-0-first_name, m-0-pesel, ...); blank rows are skipped."""
    members = []
    for i in range(rows):
        first = form.get(f"{prefix}-{i}-first_name")
        last = form.get(f"{prefix}-{i}-last_name")
        pesel = form.pesel(f"{prefix}-{i}-pesel")
        birth = form.day(f"{prefix}-{i}-birth_date")
        document = form.optional(f"{prefix}-{i}-document_number")
        if not (first or last or pesel or birth or document):
            continue
        if not first:
            form.fail(f"{prefix}-{i}-first_name", form.message("error.required"))
        if not last:
            form.fail(f"{prefix}-{i}-last_name", form.message("error.required"))
        member: dict[str, Any] = {
            "role": form.get(f"{prefix}-{i}-role") or "child",
            "first_name": first,
            "last_name": last,
            "pesel": pesel,
        }
        if birth:
            member["birth_date"] = birth
        if document:
            member["document_number"] = document
        members.append(member)
    if not members:
        form.fail(f"{prefix}-0-first_name", form.message("error.members"))
    return members


def member_field_names(prefix: str = "m", rows: int = MEMBER_ROWS) -> dict[str, str]:
    """The service's field paths (members.0.pesel) -> the form's names (m-0-pesel)."""
    names = {}
    for i in range(rows):
        for key in ("role", "first_name", "last_name", "pesel", "birth_date", "document_number"):
            names[f"members.{i}.{key}"] = f"{prefix}-{i}-{key}"
        names[f"members.{i}"] = f"{prefix}-{i}-first_name"
    return names


def with_contact(members: list[dict[str, Any]], address: str, phone: str) -> int | None:
    """The family's address and phone go to its first adult (the person the centre contacts;
    the first member if all are children); returns that member's index."""
    if not members or not (address or phone):
        return None
    index = next((i for i, m in enumerate(members) if m["role"] != "child"), 0)
    if address:
        members[index]["address"] = address
    if phone:
        members[index]["phone"] = phone
    return index


def contact_field_names(index: int | None) -> dict[str, str]:
    """The service's paths of the contact details -> the form's fields."""
    if index is None:
        return {}
    return {f"members.{index}.address": "address", f"members.{index}.phone": "phone"}


def _new_referral_page(page: Page, form: Form | None, status_code: int = 200) -> Response:
    return page.render(
        "pages/new_referral.html",
        {
            "heading": page.t("nav.new_referral"),
            "rows": MEMBER_ROWS,
            "sources": REFERRAL_SOURCES,
            **form_context(form),
        },
        status_code=status_code,
    )


@router.get("/social/referrals/new")
async def new_referral(page: Page = SocialPage) -> Response:
    return _new_referral_page(page, None)


@router.post("/social/referrals/new")
async def create_referral(page: Page = SocialPage) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    members = read_members(form)
    reason = form.get("reason", required=True)
    contact_of = with_contact(members, form.get("address"), form.get("phone"))
    body = {
        "district": page.user.district,
        "source": form.get("source", required=True),
        "sender_reference": form.optional("sender_reference"),
        "members": members,
        "reason": reason,
    }
    if form.ok:
        try:
            created = await page.api.post("referrals", "/referrals", body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            form.absorb(exc, {**member_field_names(), **contact_field_names(contact_of)})
        else:
            return page.redirect(
                f"/referrals/{created['referral_id']}",
                flash="Przyjęto zgłoszenie." if page.lang == "pl" else "Referral saved.",
            )
    return _new_referral_page(page, form, status_code=422)


@router.get("/social/referrals")
async def my_referrals(page: Page = SocialPage) -> Response:
    # The referrals this social worker recorded, and the district's that wait for an interview
    # (a school's or a court's among them: any of the district's social workers conducts it).
    mine, to_interview = await asyncio.gather(
        district_referrals(page, None, mine=True),
        district_referrals(page, "awaiting_interview"),
    )
    return page.render(
        "pages/social_referrals.html",
        {"heading": page.t("nav.my_referrals"), "referrals": mine, "to_interview": to_interview},
    )


@router.post("/social/referrals/{referral_id}/interview")
async def interview(referral_id: str, page: Page = SocialPage) -> Response:
    form = Form(await checked_form(page.request), page.lang)
    body = {
        "conducted_on": form.day("conducted_on", required=True),
        "social_worker": form.get("social_worker", required=True),
        "summary": form.get("summary"),
    }
    if form.ok:
        try:
            await page.api.post("referrals", f"/referrals/{referral_id}/interview", body)
        except ApiError as exc:
            if exc.status not in (409, 422):
                raise
            form.absorb(exc)
        else:
            return page.redirect(
                f"/referrals/{referral_id}",
                flash="Zapisano wywiad." if page.lang == "pl" else "Interview saved.",
            )
    return await _referral_page(page, referral_id, form, status_code=422)
