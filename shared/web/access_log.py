"""One access-log line and the HTTP metrics per request, and a server error that logs nothing
a caller sent.

The line holds the method, the route template (`/cases/{case_id}`, never the raw path or its
query string), the status, the duration, the caller's role and subject (when the token was
verified) and the correlation id (bound by `CorrelationMiddleware`, which wraps this one). No
query string, header or body is logged, so no personal data reaches the log through it.

An exception no handler answered becomes a 500 problem here: the log gets the exception's type
and the correlation id only. Its message (a database error's SQL parameters, personal fields
included) and its traceback stay out of the log, and the exception is not re-raised, so the
server does not log it either.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.runtime.logging import get_logger
from shared.runtime.metrics import HTTP_DURATION, HTTP_REQUESTS
from shared.web.problems import internal_error

log = get_logger("asysta.access")

UNMATCHED = "<unmatched>"
QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})


def route_template(scope: Scope) -> str:
    """The matched route's path template, or a fixed label for a path no route matched."""
    route: Any = scope.get("route")
    if route is None:
        # FastAPI's routes name themselves in the scope; a plain Starlette route (/metrics)
        # does not, so look it up.
        app: Any = scope.get("app")
        for candidate in getattr(getattr(app, "router", None), "routes", ()):
            if candidate.matches(scope)[0] == Match.FULL:
                route = candidate
                break
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_and_note(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception as exc:
            status = 500
            log.error("http.unexpected_error", error_type=type(exc).__name__)
            if not response_started:
                await internal_error(Request(scope))(scope, receive, send_and_note)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            HTTP_DURATION.labels(self.service, method, route).observe(elapsed)
            principal: Any = scope.get("state", {}).get("principal")
            # Probes and scrapes come every few seconds; their lines would drown the rest.
            quiet = route in QUIET_ROUTES and status < 400
            (log.debug if quiet else log.info)(
                "http.request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 1),
                role=getattr(getattr(principal, "role", None), "value", None),
                subject=getattr(principal, "subject", None),
            )
