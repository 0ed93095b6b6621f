"""The operator's dead letters (the administrator's role): every service's messages that kept
failing, with where they came from, the event's type, the error, when and after how many
attempts (never the event's data), replayed one by one or a group at a time with the outcome
shown, or dropped after a confirmation step.

The web app talks to no Redis: it asks each service's `/dead-letters` API with the operator's
own token, and the services decide who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from services.web.clients import ApiError
from services.web.kernel import Page, checked_form, for_roles

router = APIRouter()
OperatorPage = for_roles("admin")
SERVICES = ("referrals", "casework", "directory", "reporting")
REPLAY_WAIT_SECONDS = 10  # within the web app's 15 s for an answer


async def _service_letters(page: Page, service: str) -> dict[str, Any]:
    try:
        answer = await page.api.get(service, "/dead-letters")
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        return {"service": service, "groups": [], "letters": [], "unavailable": True}
    return {**answer, "service": service, "unavailable": False}


async def _all_letters(page: Page) -> list[dict[str, Any]]:
    """The services that read other services' events (so have dead letters), and any that did
    not answer."""
    found = [await _service_letters(page, service) for service in SERVICES]
    return [s for s in found if s["groups"] or s["unavailable"]]


async def _list_page(
    page: Page,
    *,
    outcomes: list[dict[str, Any]] | None = None,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    services = await _all_letters(page)
    return page.render(
        "pages/admin_dead_letters.html",
        {
            "heading": page.t("nav.dead_letters"),
            "services": services,
            "total": sum(len(s["letters"]) for s in services),
            "outcomes": outcomes,
            "problem": problem,
        },
        status_code=status_code,
    )


def _known(service: str) -> str:
    if service not in SERVICES:
        raise ApiError(404, {"title": "not found"})
    return service


@router.get("/admin/dead-letters")
async def dead_letters(page: Page = OperatorPage) -> Response:
    return await _list_page(page)


async def _replay(page: Page, service: str, path: str, **params: Any) -> Response:
    await checked_form(page.request)
    try:
        response = await page.api.call(
            _known(service), "POST", path, params={"wait": REPLAY_WAIT_SECONDS, **params}
        )
    except ApiError as exc:
        if exc.status not in (404, 422, 503):
            raise
        return await _list_page(page, problem=exc.detail or exc.title, status_code=exc.status)
    answer = response.json()
    outcomes = answer if isinstance(answer, list) else [answer]
    return await _list_page(page, outcomes=[{**o, "service": service} for o in outcomes])


@router.post("/admin/dead-letters/{service}/{entry_id}/replay")
async def replay_one(service: str, entry_id: str, page: Page = OperatorPage) -> Response:
    return await _replay(page, service, f"/dead-letters/{entry_id}/replay")


@router.post("/admin/dead-letters/{service}/replay")
async def replay_group(service: str, page: Page = OperatorPage) -> Response:
    form = await checked_form(page.request)
    group = str(form.get("group") or "") or None
    return await _replay(page, service, "/dead-letters/replay", group=group)


async def _letter(page: Page, service: str, entry_id: str) -> dict[str, Any] | None:
    found = await _service_letters(page, _known(service))
    return next((x for x in found["letters"] if x["id"] == entry_id), None)


@router.get("/admin/dead-letters/{service}/{entry_id}/drop")
async def drop_check(service: str, entry_id: str, page: Page = OperatorPage) -> Response:
    """Before a message is dropped for good: what it is, and a button that says so."""
    letter = await _letter(page, service, entry_id)
    if letter is None:
        return await _list_page(page, problem=page.t("dead_letters.gone"), status_code=404)
    return page.render(
        "pages/admin_dead_letter_drop.html",
        {"heading": page.t("dead_letters.drop_heading"), "service": service, "letter": letter},
    )


@router.post("/admin/dead-letters/{service}/{entry_id}/drop")
async def drop(service: str, entry_id: str, page: Page = OperatorPage) -> Response:
    await checked_form(page.request)
    try:
        await page.api.call(_known(service), "DELETE", f"/dead-letters/{entry_id}")
    except ApiError as exc:
        if exc.status not in (404, 422, 503):
            raise
        return await _list_page(page, problem=exc.detail or exc.title, status_code=exc.status)
    return page.redirect("/admin/dead-letters", flash=page.t("dead_letters.dropped"))
