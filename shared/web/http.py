"""The app factory of every service's HTTP API: its routers, problem details, middleware, health
checks and the lifespan that starts the service's moving parts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from shared.runtime import tracing
from shared.runtime.logging import get_logger
from shared.runtime.service import ServiceRuntime
from shared.web.access_log import AccessLogMiddleware
from shared.web.auth import TokenVerifier
from shared.web.dead_letters_api import dead_letters_router
from shared.web.docs import install_local_docs
from shared.web.metrics import mount_metrics
from shared.web.middleware import CorrelationMiddleware
from shared.web.openapi import openapi_with_problems
from shared.web.problems import install_problem_handlers

log = get_logger(__name__)


async def runtime_of(request: Request) -> ServiceRuntime:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
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
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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
            login_claim=settings.jwt_login_claim,
        ),
        ready=runtime.ready,
        service=runtime.name,
    )
    mount_metrics(app, refresh=runtime.metrics.sample)
    app.state.runtime = runtime
    for router in routers:
        app.include_router(router)
    # The operator's dead letters of this service's own group (the web app's screen).
    app.include_router(dead_letters_router())
    return app


def create_app(
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], Any],
    token_verifier: TokenVerifier,
    ready: Callable[[], Awaitable[bool]] | None = None,
    service: str = "",
) -> FastAPI:
    # FastAPI's own docs pages load their scripts from a CDN: see install_local_docs.
    # FastAPI's own telemetry stays off: its server span holds the query string (a PESEL) and
    # its log records exception messages (SQL parameters); ours is shared/web/tracing.py.
    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        telemetry={
            "tracing": False,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "auto_configure": False,
        },
    )
    app.state.token_verifier = token_verifier
    install_local_docs(app)
    # Added first, so it runs inside the correlation middleware and its lines carry the id.
    app.add_middleware(AccessLogMiddleware, service=service or title)
    app.add_middleware(CorrelationMiddleware)
    if tracing.enabled():
        # Outermost: the request's span is current for every line the others log.
        from shared.web.tracing import TracingMiddleware

        app.add_middleware(TracingMiddleware)
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

    app.openapi = lambda: openapi_with_problems(app)  # type: ignore[method-assign]
    return app
