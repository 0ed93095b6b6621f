"""The documents a centre files about a family, printed from the case file and the referral:
`GET /cases/{id}/documents/{kind}.pdf` (or `.html`, the printable page) and
`GET /referrals/{id}/documents/decision.pdf`.

The data comes from the services with the signed-in person's own token, so a document shows
exactly what that person may read, and a role that may not read a family's file (the city
analyst, a school, a court, the administrator) gets the 403 page whatever address it tries.
Each document issued is written to the audit trail of the service that owns its data
(`POST .../documents` on casework and referrals): the web app keeps none.
"""

from __future__ import annotations

import asyncio
from datetime import date
from html import escape
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.documents import (
    DocumentKind,
    DocumentUnavailable,
    IssuedDocument,
    Selection,
    SourceData,
    issue_document,
)
from services.web.cases import assistant_names
from services.web.formatting import as_date, today_in_warsaw
from services.web.kernel import Page, for_roles

router = APIRouter()

# Who may print a family's documents: those who may read its file. The services decide the
# rest (another district's family, another assistant's family: 404).
DocumentPage = for_roles("assistant", "head", "social_worker")
ReferralDocumentPage = for_roles("head", "social_worker")

Output = Literal["pdf", "html"]
# The documents made of a case file; the decision is made of the referral.
CASE_KINDS = tuple(kind for kind in DocumentKind if kind is not DocumentKind.DECISION)


def selection(
    version: int | None = None,
    start: date | None = None,
    end: date | None = None,
    assessed_on: date | None = None,
    request_id: str | None = None,
) -> Selection:
    return Selection(
        plan_version=version,
        period_start=start,
        period_end=end,
        assessed_on=assessed_on,
        request_id=request_id,
    )


async def _people(page: Page, district: str | None) -> dict[str, str]:
    """Names of the people the documents mention: the district's assistants and the person
    issuing it (events name them by `role:subject`)."""
    people = await assistant_names(page.api, district or "") if district else {}
    people[f"{page.user.role}:{page.user.subject}"] = page.user.name
    return people


async def _issue(
    page: Page,
    kind: DocumentKind,
    output: Output,
    data: SourceData,
    chosen: Selection,
    audited: list[tuple[str, str]],
    back: str,
) -> Response:
    """Render the document, write its issue to each owning service's audit trail, answer it.
    Nothing is recorded for a document that could not be made."""
    try:
        issued: IssuedDocument = await asyncio.to_thread(
            issue_document,
            kind,
            data,
            output=output,
            # The centre heading it is the one of the case's (or referral's) district.
            issued_by=page.user.name,
            issued_on=today_in_warsaw(),
            selection=chosen,
            language=page.lang,
        )
    except DocumentUnavailable as exc:
        return page.render(
            "error.html",
            {"title": exc.title(page.lang), "message": exc.detail(page.lang)},
            status_code=404,
        )
    for service, path in audited:
        await page.api.post(service, path, {"kind": kind.value})
    disposition = "attachment" if output == "pdf" else "inline"
    content = issued.content
    if output == "html":
        content = _with_toolbar(content.decode(), back, page.lang).encode()
    return Response(
        content,
        media_type=issued.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{issued.file_name}"',
            # A family's data: never kept by a browser's or a proxy's cache.
            "Cache-Control": "no-store",
        },
    )


def _with_toolbar(document: str, back: str, lang: str) -> str:
    """The printable page with, on screen only, the way back and a print button (the page
    itself is the documents package's, the same a centre would get without the web app)."""
    en = lang == "en"
    toolbar = (
        "<style>.screen-tools{display:flex;gap:6mm;align-items:center;margin:0 0 6mm;"
        "font:11pt/1.4 'DejaVu Sans',Arial,sans-serif}"
        ".screen-tools button{font:inherit;padding:1.5mm 4mm}"
        "@media print{.screen-tools{display:none}}</style>"
        f'<nav class="screen-tools" aria-label="{"Document" if en else "Dokument"}">'
        f'<a href="{escape(back)}">← {"Back to the file" if en else "Wróć do akt"}</a>'
        '<button type="button" onclick="window.print()">'
        f"{'Print' if en else 'Drukuj'}</button></nav>"
    )
    return document.replace("<body>", "<body>" + toolbar, 1)


@router.get("/cases/{case_id}/documents/{kind}.{output}")
async def case_document(
    case_id: str,
    kind: DocumentKind,
    output: Output,
    page: Page = DocumentPage,
    version: int | None = Query(None, ge=1, le=10_000),
    # The diary's period, from a form whose date fields a person may leave empty.
    start: str | None = Query(None, alias="from", max_length=32),
    end: str | None = Query(None, alias="to", max_length=32),
    assessed_on: date | None = None,
    request_id: str | None = Query(None, max_length=64),
) -> Response:
    if kind is DocumentKind.DECISION:
        # The decision is the referral's: printed from it, audited by referrals.
        file = await page.api.get("casework", f"/cases/{case_id}")
        referral_id = file.get("referral_id")
        if not referral_id:
            return page.render("error.html", {"message_key": "error.not_found"}, status_code=404)
        return await referral_document(str(referral_id), output, page)
    case: dict[str, Any] = await page.api.get("casework", f"/cases/{case_id}")
    audited = [("casework", f"/cases/{case_id}/documents")]
    referral = None
    if kind is DocumentKind.CASE_FILE and case.get("referral_id"):
        # The inspection's file opens with the decision, where this person may read it (an
        # assistant's token may not read referrals: then the file goes without it).
        referral_id = case["referral_id"]
        referral = await page.api.get_or_none("referrals", f"/referrals/{referral_id}")
        if referral is not None:
            audited.append(("referrals", f"/referrals/{referral_id}/documents"))
    data = SourceData(
        case=case, referral=referral, people=await _people(page, case.get("district"))
    )
    chosen = selection(version, as_date(start), as_date(end), assessed_on, request_id)
    return await _issue(page, kind, output, data, chosen, audited, f"/cases/{case_id}")


@router.get("/referrals/{referral_id}/documents/decision.{output}")
async def referral_document(
    referral_id: str, output: Output, page: Page = ReferralDocumentPage
) -> Response:
    if page.user.role not in ("head", "social_worker"):
        # Reached from a case's address by an assistant: referrals are not theirs to read.
        return page.render("error.html", {"message_key": "error.forbidden"}, status_code=403)
    referral = await page.api.get("referrals", f"/referrals/{referral_id}")
    data = SourceData(referral=referral, people=await _people(page, referral.get("district")))
    return await _issue(
        page,
        DocumentKind.DECISION,
        output,
        data,
        Selection(),
        [("referrals", f"/referrals/{referral_id}/documents")],
        f"/referrals/{referral_id}",
    )
