"""The assistant's work in the field with no network, and the review of what did not apply.

- `/assistant/offline` ("Praca w terenie"): the families the assistant works with, each with
  forms for a visit, a note to the plan and a consent signed on paper that work offline; the
  page's script keeps each record in an outbox on the device (IndexedDB) with a UUID made on
  the device, the device's id and the case version, shows how many wait, and sends them when
  the network returns or on "Wyślij teraz" through `/assistant/offline/send`, which forwards
  them to casework with the assistant's own token.
- The web app manifest and the service worker (`/sw.js`) make the assistant's pages open with
  no network: "Moje rodziny", this page and the case files of their active families (or only of
  those marked "do pracy w terenie" on this page, with WEB_OFFLINE_FAMILIES=marked), as of the
  last sync, whose time the page shows. A family no longer theirs at a sync (closed,
  transferred, reassigned) leaves the device: its kept case file and its mark are deleted.
- `/review` ("Do wyjaśnienia"): the records casework held (the assistant's own; the head's
  district's), each applied to a case or discarded after a confirmation step.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from services.web.clients import ApiError, gather_limited
from services.web.families import family_name
from services.web.kernel import STATIC, CsrfFailed, Page, checked_form, for_roles, settings_of
from shared.events import VisitPlace, VisitTopic

router = APIRouter()
AssistantPage = for_roles("assistant")
ReviewPage = for_roles("assistant", "head")

OFFLINE = STATIC / "offline"
NO_STORE = {"Cache-Control": "no-store"}


# The installable app ---------------------------------------------------------------------------


@router.get("/manifest.webmanifest", include_in_schema=False)
async def manifest() -> JSONResponse:
    return JSONResponse(
        {
            "name": "Asysta: praca w terenie",
            "short_name": "Asysta",
            "lang": "pl",
            "start_url": "/assistant/offline",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1b5e31",
            "icons": [
                {"src": "/static/icons/favicon.svg", "sizes": "any", "type": "image/svg+xml"}
            ],
        },
        media_type="application/manifest+json",
    )


@router.get("/sw.js", include_in_schema=False)
async def service_worker() -> FileResponse:
    # Served from the root so that it may keep the assistant's pages; never cached by HTTP, so
    # a new version is picked up at the next visit.
    return FileResponse(
        OFFLINE / "sw.js",
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


# "Praca w terenie" ------------------------------------------------------------------------------


async def _active_families(page: Page) -> list[dict[str, Any]]:
    """The families the assistant works with now, each with its case file's version (what the
    device's records are made against); read with the assistant's own token."""
    rows = await page.api.get(
        "casework",
        "/cases",
        district=page.user.district or None,
        assistant_id=page.user.subject,
        status="active",
    )
    files = await gather_limited(
        page.api.get_or_none("casework", f"/cases/{r['case_id']}") for r in rows
    )
    out = []
    for row, file in zip(rows, files, strict=True):
        if not file:
            continue
        out.append(
            {
                "case_id": str(row["case_id"]),
                "family": family_name(file.get("members", []), page.lang),
                "version": int(file.get("version") or 0),
                "last_visit_on": row.get("last_visit_on"),
                "visits": len(file.get("visits", [])),
            }
        )
    return sorted(out, key=lambda f: str(f["family"]))


@router.get("/assistant/offline")
async def offline_page(page: Page = AssistantPage) -> Response:
    families = await _active_families(page)
    return page.render(
        "pages/offline.html",
        {
            "heading": page.t("offline.heading"),
            "families": families,
            "synced_at": datetime.now(UTC).isoformat(timespec="seconds"),
            # The script keeps these families' case files: "all" active, or the "marked" ones.
            "offline_families": settings_of(page.request).offline_families,
            "topics": [t.value for t in VisitTopic],
            "places": [p.value for p in VisitPlace],
        },
    )


@router.get("/assistant/offline/data")
async def offline_data(page: Page = AssistantPage) -> JSONResponse:
    """What the device keeps for a day without network: the families and their case versions;
    the service worker keeps the pages of their case files."""
    families = await _active_families(page)
    return JSONResponse(
        {
            "owner": page.user.subject,
            "synced_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "families": families,
        },
        headers=NO_STORE,
    )


@router.get("/assistant/offline/key")
async def offline_key(page: Page = AssistantPage) -> JSONResponse:
    """The key that encrypts the outbox on the device (AES-GCM, 256 bits): made once per
    signed-in session and kept in it, so signing out forgets it here; the page keeps it as a
    non-extractable key and deletes it at sign-out."""
    session = page.request.session
    key = session.get("offline_key")
    if not key:
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        session["offline_key"] = key
    return JSONResponse({"owner": page.user.subject, "key": key}, headers=NO_STORE)


@router.post("/assistant/offline/send")
async def offline_send(request: Request, page: Page = AssistantPage) -> JSONResponse:
    """The outbox, forwarded to casework with the assistant's own token; casework answers each
    record applied / already there / held / refused. The device deletes what was answered."""
    sent = request.headers.get("x-csrf-token", "")
    expected = request.session.get("csrf")
    if not expected or not secrets.compare_digest(sent, str(expected)):
        raise CsrfFailed()
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"title": page.t("offline.bad_body")}, status_code=400)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return JSONResponse({"title": page.t("offline.bad_body")}, status_code=400)
    try:
        results = await page.api.post("casework", "/device-records", {"records": body["records"]})
    except ApiError as exc:
        if exc.status >= 500:
            return JSONResponse({"title": page.t("error.service")}, status_code=502)
        return JSONResponse(exc.problem or {"title": exc.title}, status_code=exc.status)
    return JSONResponse({"results": results}, headers=NO_STORE)


# "Do wyjaśnienia" ------------------------------------------------------------------------------


async def _held(page: Page, *, decided: bool = False) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"decided": "true" if decided else None}
    if page.user.role == "head":
        params["district"] = page.user.district or None
    return list(await page.api.get("casework", "/device-records/held", **params))


async def _case_names(page: Page, items: list[dict[str, Any]]) -> dict[str, str]:
    """The family of each item's case, as the services let this person see it."""
    names: dict[str, str] = {}
    for case_id in {str(i["case_id"]) for i in items}:
        file = await page.api.get_or_none("casework", f"/cases/{case_id}")
        if file:
            names[case_id] = family_name(file.get("members", []), page.lang)
    return names


async def _targets(page: Page) -> list[dict[str, Any]]:
    """Cases a held record may go to: the person's own (assistant) or the district's."""
    if page.user.role == "assistant":
        rows = await page.api.get("casework", "/cases", assistant_id=page.user.subject)
    else:
        rows = await page.api.get("casework", "/cases", district=page.user.district or None)
    return [
        {"case_id": str(r["case_id"]), "name": r.get("family_name") or r.get("display_name")}
        for r in rows
        if r.get("status") in ("active", "waiting", "monitoring")
    ]


@router.get("/review")
async def review(page: Page = ReviewPage) -> Response:
    items = await _held(page)
    decided = [i for i in await _held(page, decided=True) if i["status"] != "held"]
    names = await _case_names(page, items + decided)
    return page.render(
        "pages/review.html",
        {
            "heading": page.t("review.heading"),
            "items": items,
            "decided": decided[:20],
            "names": names,
        },
    )


async def _item(page: Page, record_id: UUID) -> dict[str, Any]:
    for item in await _held(page):
        if item["record_id"] == str(record_id):
            return item
    raise ApiError(404, {})


@router.get("/review/{record_id}")
async def review_item(record_id: UUID, action: str = "apply", page: Page = ReviewPage) -> Response:
    """The confirmation step: what will happen, and the one button that does it."""
    item = await _item(page, record_id)
    names = await _case_names(page, [item])
    return page.render(
        "pages/review_confirm.html",
        {
            "heading": page.t("review.apply" if action == "apply" else "review.discard"),
            "item": item,
            "action": "apply" if action == "apply" else "discard",
            "names": names,
            "targets": await _targets(page) if action == "apply" else [],
            "errors": {},
            "values": {"case_id": str(item["case_id"])},
        },
    )


@router.post("/review/{record_id}/apply")
async def review_apply(record_id: UUID, page: Page = ReviewPage) -> Response:
    form = await checked_form(page.request)
    case_id = str(form.get("case_id") or "")
    try:
        await page.api.post(
            "casework", f"/device-records/{record_id}/application", {"case_id": case_id}
        )
    except ApiError as exc:
        if exc.status not in (404, 409, 422):
            raise
        return await _refused(page, record_id, "apply", exc, {"case_id": case_id})
    return page.redirect("/review", flash=page.t("review.applied"))


@router.post("/review/{record_id}/discard")
async def review_discard(record_id: UUID, page: Page = ReviewPage) -> Response:
    form = await checked_form(page.request)
    reason = str(form.get("reason") or "").strip()
    if not reason:
        error = ApiError(422, {"detail": page.t("error.required")})
        return await _refused(page, record_id, "discard", error, {"reason": reason})
    try:
        await page.api.post("casework", f"/device-records/{record_id}/discard", {"reason": reason})
    except ApiError as exc:
        if exc.status not in (404, 409, 422):
            raise
        return await _refused(page, record_id, "discard", exc, {"reason": reason})
    return page.redirect("/review", flash=page.t("review.discarded"))


async def _refused(
    page: Page, record_id: UUID, action: str, exc: ApiError, values: dict[str, str]
) -> Response:
    field = "case_id" if action == "apply" else "reason"
    try:
        item = await _item(page, record_id)
    except ApiError:
        return page.redirect("/review", flash=exc.detail or exc.title)
    return page.render(
        "pages/review_confirm.html",
        {
            "heading": page.t("review.apply" if action == "apply" else "review.discard"),
            "item": item,
            "action": action,
            "names": await _case_names(page, [item]),
            "targets": await _targets(page) if action == "apply" else [],
            "errors": {field: exc.detail or exc.title},
            "values": values,
        },
        status_code=422,
    )
