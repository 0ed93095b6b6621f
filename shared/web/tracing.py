"""An HTTP request's span, when tracing is on (shared/runtime/tracing.py).

Ours rather than opentelemetry-instrumentation-fastapi: a dozen lines instead of four more
packages (the ASGI instrumentation, its utilities, wrapt), and the span holds only what the
access log holds (method, route template, status): the instrumentation records the URL, whose
query string may carry a PESEL (`?pesel=`). Installed outermost, so every line the request
logs (the access line too) carries the trace id.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.runtime import tracing
from shared.web.access_log import route_template

_CONTEXT_HEADERS = (b"traceparent", b"tracestate")


class TracingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not tracing.enabled():
            await self.app(scope, receive, send)
            return
        from opentelemetry.trace import Status, StatusCode

        method = str(scope.get("method", ""))
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _CONTEXT_HEADERS
        }
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        with tracing.server_span(method, headers) as span:
            try:
                await self.app(scope, receive, send_and_note)
            finally:
                route = route_template(scope)
                span.update_name(f"{method} {route}")
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
