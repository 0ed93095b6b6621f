"""Searching families by surname (Polish letters optional) or PESEL, for everyone who works
with families. The web app only forwards the search, with the person's own token, to the
services' list answers (casework's cases, referrals' referrals), which decide what the token
may find: a head's or a social worker's district, an assistant's own families, any case for
the administrator (whose link is the family's audit trail). Each family listed is audited by
the service that listed it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from services.web.families import labelled
from services.web.kernel import SEARCH_ROLES, Page, for_roles
from shared.domain.name_search import SurnameQuery
from shared.events.family import Pesel

router = APIRouter()
SearchPage = for_roles(*SEARCH_ROLES)

_SURNAME: TypeAdapter[str] = TypeAdapter(SurnameQuery)
_PESEL: TypeAdapter[str] = TypeAdapter(Pesel)
# Roles that also search the district's referrals (families not yet with a case).
_REFERRAL_ROLES = ("head", "social_worker")


@dataclass(frozen=True)
class Search:
    """What was typed, read as a surname or a PESEL (any digit makes it a PESEL), or why it
    cannot be searched for (the shared validation's message, Polish or English)."""

    typed: str
    surname: str | None = None
    pesel: str | None = None
    error: str | None = None

    @property
    def ready(self) -> bool:
        return bool(self.surname or self.pesel)

    @classmethod
    def read(cls, typed: str, lang: str) -> Search:
        typed = typed.strip()[:100]
        if not typed:
            return cls(typed)
        if any(c.isdigit() for c in typed):
            compact = "".join(typed.split()).replace("-", "")
            try:
                return cls(typed, pesel=_PESEL.validate_python(compact))
            except ValidationError as exc:
                return cls(typed, error=_message(exc, lang))
        try:
            return cls(typed, surname=_SURNAME.validate_python(typed))
        except ValidationError as exc:
            return cls(typed, error=_message(exc, lang))


def _message(exc: ValidationError, lang: str) -> str:
    """The first error's message: Polish, or the English text `invalid(...)` carries."""
    error = exc.errors()[0]
    message = str(error["msg"])
    if lang == "en":
        message = str((error.get("ctx") or {}).get("en") or message)
    # The services' messages begin in lower case (they follow a field's name there).
    return message[:1].upper() + message[1:]


async def find_families(page: Page, search: Search) -> list[dict[str, Any]]:
    """Cases and (for a head or a social worker) referrals matching the search, one call per
    service; a family with a case is shown once, by its case."""
    params = {"q": search.surname, "pesel": search.pesel}
    district = page.user.district or None
    calls = [page.api.get("casework", "/cases", district=district, **params)]
    if page.user.role in _REFERRAL_ROLES and district:
        calls.append(page.api.get("referrals", "/referrals", district=district, **params))
    answers = await asyncio.gather(*calls)
    # The administrator reads no case file: their link is the family's audit trail.
    admin = page.user.role == "admin"
    cases = [
        {
            **row,
            "kind": "case",
            "href": f"/admin/audit?family_id={row['family_id']}"
            if admin
            else f"/cases/{row['case_id']}",
        }
        for row in labelled(answers[0], page.lang)
    ]
    with_case = {str(c["family_id"]) for c in cases}
    referrals = [
        {**row, "kind": "referral", "href": f"/referrals/{row['referral_id']}"}
        for row in labelled(answers[1] if len(answers) > 1 else [], page.lang)
        if str(row["family_id"]) not in with_case
    ]
    found = cases + referrals
    found.sort(key=lambda r: (str(r.get("family_name", "")).casefold(), r["family"]))
    return found


@router.get("/search")
async def search(page: Page = SearchPage, q: str = "") -> Response:
    wanted = Search.read(q, page.lang)
    partial = page.request.headers.get("hx-request") == "true"
    results: list[dict[str, Any]] | None = None
    if wanted.ready:
        results = await find_families(page, wanted)
    context = {
        "heading": page.t("search.title"),
        "search": wanted,
        "results": results,
        # As you type (htmx), a half-typed PESEL or one letter is not yet an error.
        "values": {"q": wanted.typed},
        "errors": {"q": wanted.error} if wanted.error and not partial else {},
    }
    status = 422 if wanted.error and not partial else 200
    return page.render(
        "pages/search.html", context, status_code=status, block="results" if partial else None
    )
