"""What every service's HTTP API shares: problem details (RFC 9457), correlation ids,
language negotiation, authentication and health checks."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import AuthenticationFailed, Principal, TokenVerifier
from shared.errors import DomainError, ErrorKind
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

PROBLEM_BASE = "https://asysta.pl/problems/"
CORRELATION_HEADER = "x-correlation-id"
_CORRELATION_OK = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

STATUS_OF_KIND = {
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.INVALID: 422,
    ErrorKind.FORBIDDEN: 403,
}


def language_of(request: Request) -> str:
    """'en' if the caller prefers English to Polish, else 'pl' (our users read Polish)."""
    header = request.headers.get("accept-language", "")
    best, best_q = "pl", -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower()[:2]
        if lang not in ("pl", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = lang, q
    return best


def problem(
    status: int, code: str, title: str, detail: str = "", **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    headers = {"WWW-Authenticate": "Bearer"} if code == "unauthenticated" else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


_VALIDATION_PL = {
    "missing": "pole wymagane",
    "extra_forbidden": "nieznane pole",
    "string_too_short": "tekst za krótki",
    "string_too_long": "tekst za długi",
    "string_type": "oczekiwano tekstu",
    "int_parsing": "oczekiwano liczby całkowitej",
    "int_type": "oczekiwano liczby całkowitej",
    "bool_parsing": "oczekiwano wartości logicznej",
    "date_from_datetime_parsing": "oczekiwano daty RRRR-MM-DD",
    "date_parsing": "oczekiwano daty RRRR-MM-DD",
    "date_type": "oczekiwano daty RRRR-MM-DD",
    "uuid_parsing": "oczekiwano identyfikatora UUID",
    "enum": "wartość spoza listy dozwolonych",
    "literal_error": "wartość spoza listy dozwolonych",
    "greater_than": "wartość za mała",
    "greater_than_equal": "wartość za mała",
    "less_than": "wartość za duża",
    "less_than_equal": "wartość za duża",
    "too_short": "za mało elementów",
    "too_long": "za dużo elementów",
    "json_invalid": "nieprawidłowy JSON",
    "model_attributes_type": "oczekiwano obiektu",
    "dict_type": "oczekiwano obiektu",
    "list_type": "oczekiwano listy",
    "tuple_type": "oczekiwano listy",
}


def _validation_message(error: dict[str, Any], language: str) -> str:
    english = (error.get("ctx") or {}).get("en")
    if english is not None:
        # Our own validators (shared.validation.invalid) carry both languages.
        return str(english) if language == "en" else str(error.get("msg", ""))
    if error.get("type") == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if language == "pl":
        return _VALIDATION_PL.get(str(error.get("type")), str(error.get("msg", "")))
    return str(error.get("msg", ""))


# RFC 9457 members an error's own parameters must not overwrite; "reason" may carry detail
# not meant for the caller beyond the message.
_RESERVED = frozenset({"type", "title", "status", "detail", "instance", "reason"})


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        language = language_of(request)
        status = STATUS_OF_KIND[exc.kind]
        if isinstance(exc, AuthenticationFailed):
            status = 401
        return problem(
            status,
            exc.code,
            exc.title(language),
            exc.detail(language),
            **{k: str(v) for k, v in exc.params.items() if k not in _RESERVED},
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        language = language_of(request)
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "type": str(e.get("type", "")),
                "message": _validation_message(e, language),
            }
            for e in exc.errors()
        ]
        malformed = any(e.get("type") == "json_invalid" for e in exc.errors())
        if malformed:
            return problem(
                400,
                "malformed-json",
                "Nieprawidłowy JSON" if language == "pl" else "Malformed JSON",
                "Treść żądania nie jest poprawnym dokumentem JSON."
                if language == "pl"
                else "The request body is not valid JSON.",
            )
        return problem(
            422,
            "invalid-request",
            "Nieprawidłowe dane" if language == "pl" else "Invalid request",
            "Popraw wskazane pola." if language == "pl" else "Correct the fields listed.",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        language = language_of(request)
        titles = {
            404: ("Nie znaleziono", "Not found"),
            405: ("Metoda niedozwolona", "Method not allowed"),
            413: ("Za duże żądanie", "Request too large"),
            415: ("Nieobsługiwany format", "Unsupported media type"),
        }
        pl, en = titles.get(exc.status_code, ("Błąd żądania", "Request error"))
        return problem(exc.status_code, f"http-{exc.status_code}", pl if language == "pl" else en)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unexpected_error", path=request.url.path)
        language = language_of(request)
        return problem(
            500,
            "internal-error",
            "Błąd wewnętrzny" if language == "pl" else "Internal error",
            "Zgłoś administratorowi identyfikator korelacji z nagłówka X-Correlation-ID."
            if language == "pl"
            else "Report the X-Correlation-ID to the administrator.",
        )


class CorrelationMiddleware:
    """Takes X-Correlation-ID from the request (or makes one), binds it to every log line of
    the request and returns it in the response. Also caps the request body size."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int = 1_000_000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        declared_length = 0
        for name, value in scope["headers"]:
            if name == CORRELATION_HEADER.encode():
                incoming = value.decode("latin-1")
            elif name == b"content-length":
                try:
                    declared_length = int(value)
                except ValueError:
                    declared_length = 0
        correlation_id = incoming if _CORRELATION_OK.match(incoming) else str(uuid.uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
            if declared_length > self.max_body_bytes:
                response = problem(
                    413,
                    "http-413",
                    "Za duże żądanie",
                    f"Treść żądania może mieć najwyżej {self.max_body_bytes} bajtów.",
                )
                await response(scope, receive, send_with_id)
                return
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise StarletteHTTPException(413)
                return message

            await self.app(scope, limited_receive, send_with_id)


def correlation_id_of(request: Request) -> str:
    return str(getattr(request.state, "correlation_id", None) or uuid.uuid4())


_bearer = HTTPBearer(auto_error=False)


async def authenticate(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed(reason="brak tokenu")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(credentials.credentials)
    structlog.contextvars.bind_contextvars(actor_role=principal.role.value)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
CorrelationId = Annotated[str, Depends(correlation_id_of)]


def runtime_of(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(runtime_of)]


def service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    run_relay: bool = True,
    run_worker: bool = False,
) -> FastAPI:
    """A service's FastAPI app: its routers, problem details, health checks, and a lifespan
    that starts the runtime's relay and (if asked) its subscriptions."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start(relay=run_relay, worker=run_worker)
        try:
            yield
        finally:
            await runtime.stop()

    settings = runtime.settings
    app = create_app(
        title=title,
        description=description,
        lifespan=lifespan,
        token_verifier=TokenVerifier(
            secret=settings.signing_secret(),
            public_key=settings.jwt_public_key,
            audience=settings.jwt_audience,
        ),
        ready=runtime.ready,
    )
    app.state.runtime = runtime
    for router in routers:
        app.include_router(router)
    return app


DOCS_ASSETS = Path(__file__).parent / "static" / "docs"


def install_local_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc with their scripts and styles served by the app itself
    (vendored from the swagger-ui-dist and redoc npm packages under shared/static/docs)."""
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    # Plain Starlette routes, not API routes: they are no part of the API (nor of its policy).
    async def swagger_ui(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – dokumentacja API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    async def redoc(_request: Request) -> HTMLResponse:
        return get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} – ReDoc",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/docs-assets/favicon-32x32.png",
            with_google_fonts=False,
        )

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)


def create_app(
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], Any],
    token_verifier: TokenVerifier,
    ready: Callable[[], Awaitable[bool]] | None = None,
) -> FastAPI:
    # docs_url/redoc_url off: FastAPI's own pages load Swagger UI and ReDoc from a CDN, and
    # centres run on closed networks; install_local_docs serves the same pages from the repo.
    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
    )
    app.state.token_verifier = token_verifier
    install_local_docs(app)
    app.add_middleware(CorrelationMiddleware)
    install_problem_handlers(app)

    @app.get("/health", tags=["health"], summary="Proces działa")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/ready",
        tags=["health"],
        summary="Baza danych i Redis odpowiadają",
        responses={503: {"description": "Baza danych lub Redis nie odpowiada"}},
    )
    async def readiness() -> JSONResponse:
        ok = await ready() if ready else True
        return JSONResponse({"status": "ready" if ok else "not-ready"}, 200 if ok else 503)

    app.openapi = lambda: _openapi_with_problems(app)  # type: ignore[method-assign]
    return app


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "type": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_PROBLEM_STATUSES = {
    "400": "Nieprawidłowy JSON",
    "401": "Brak lub nieważny token",
    "403": "Brak uprawnień",
    "404": "Nie znaleziono (także: zasób innej dzielnicy)",
    "409": "Reguła nie pozwala na to w obecnym stanie",
    "413": "Za duże żądanie",
    "422": "Nieprawidłowe dane",
}


def _openapi_with_problems(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, with the problem-details answers every route may give (instead of
    FastAPI's own 422 shape, which we do not send)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            statuses = _PROBLEM_STATUSES if path not in ("/health", "/ready") else {}
            for status, description in statuses.items():
                responses[status] = {"description": description, "content": problem}
    app.openapi_schema = schema
    return schema
