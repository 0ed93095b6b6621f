"""The web app: FastAPI serving server-rendered pages (Jinja2, htmx), a backend-for-frontend
of the four services. It keeps no case data: every page is read from the services with the
signed-in person's own token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.documents.centres import centres_table
from services.web import (
    assistant,
    cases,
    city,
    documents,
    head,
    offline,
    operator,
    search,
    sender,
    social,
    staff,
)
from services.web.clients import ApiError, Services
from services.web.kernel import (
    STATIC,
    CsrfFailed,
    Forbidden,
    NotSignedIn,
    User,
    checked_form,
    render,
)
from services.web.session import EncryptedSessionMiddleware
from services.web.settings import WebSettings
from services.web.signin import router as signin_router
from services.web.tasks import TaskSummaryDep
from shared.runtime.logging import get_logger
from shared.web.middleware import CorrelationMiddleware

log = get_logger(__name__)

START_PAGES = {
    "assistant": "/assistant",
    "head": "/head",
    "social_worker": "/social/referrals",
    "city_analyst": "/city",
    "school": "/sender",
    "court": "/sender",
    "admin": "/admin/assistants",
}


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings()
    # A file of centres (ASYSTA_CENTRES_FILE) that cannot be used stops the start, not a print.
    centres_table()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = Services(
            settings.service_urls(), timeout=settings.request_timeout_seconds
        )
        try:
            yield
        finally:
            await app.state.services.close()

    app = FastAPI(
        title="Asysta: aplikacja w przeglądarce",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.add_middleware(
        EncryptedSessionMiddleware,
        secret=settings.session_key(),
        max_age_seconds=settings.session_hours * 3600,
        secure=settings.cookies_secure,
    )
    app.add_middleware(CorrelationMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(signin_router)
    for module in (
        assistant,
        cases,
        documents,
        head,
        social,
        city,
        sender,
        staff,
        search,
        offline,
        operator,
    ):
        # The pages an assistant or a head opens show the count of their tasks in the menu.
        counted = module in (assistant, cases, head)
        app.include_router(module.router, dependencies=[TaskSummaryDep] if counted else [])
    app.include_router(_core)
    for kind, handler in _ERROR_PAGES.items():
        app.exception_handler(kind)(handler)

    return app


def _error(request: Request, key: str | None, status: int, message: str = "") -> Response:
    if request.headers.get("accept", "").startswith("application/json"):
        return JSONResponse({"status": status}, status_code=status)
    user = User.from_session(request.session.get("user"))
    return render(
        request,
        "error.html",
        {"message_key": key, "message": message},
        status_code=status,
        user=user,
    )


# Pages of the app itself, not of a role: health checks, the start page, the language switch.
_core = APIRouter()


@_core.get("/health", include_in_schema=False)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@_core.get("/ready", include_in_schema=False)
async def ready() -> dict[str, str]:
    return {"status": "ready"}


@_core.get("/")
async def home(request: Request) -> Response:
    user = User.from_session(request.session.get("user"))
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(START_PAGES.get(user.role, "/signin"), status_code=303)


@_core.post("/language")
async def switch_language(request: Request) -> Response:
    form = await checked_form(request)
    lang = "en" if form.get("lang") == "en" else "pl"
    request.session["lang"] = lang
    target = str(form.get("next") or "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie("asysta_lang", lang, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


# Error pages. Starlette passes every handler the exception; most pages depend only on its kind.
async def _not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
    return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)


async def _forbidden(request: Request, _exc: Forbidden) -> Response:
    return _error(request, "error.forbidden", 403)


async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
    return _error(request, "error.csrf", 403)


async def _api(request: Request, exc: ApiError) -> Response:
    if exc.status == 401:
        # The token expired or was revoked: sign in again.
        request.session.clear()
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    if exc.status == 403:
        return _error(request, "error.forbidden", 403)
    if exc.status == 404:
        return _error(request, "error.not_found", 404)
    if exc.status >= 500:
        return _error(request, "error.service", 502)
    return _error(request, None, exc.status, message=exc.detail or exc.title)


async def _bad_address(request: Request, _exc: RequestValidationError) -> Response:
    # A hand-edited address (a query parameter out of range): a page, not FastAPI's JSON.
    return _error(request, "error.not_found", 404)


async def _unexpected(request: Request, _exc: Exception) -> Response:
    log.exception("web.unexpected_error", path=request.url.path)
    return _error(request, "error.unexpected", 500)


_ERROR_PAGES: dict[type[Exception], Callable[..., Awaitable[Response]]] = {
    NotSignedIn: _not_signed_in,
    Forbidden: _forbidden,
    CsrfFailed: _csrf,
    ApiError: _api,
    RequestValidationError: _bad_address,
    Exception: _unexpected,
}
