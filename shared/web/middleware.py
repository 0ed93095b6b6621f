"""The middleware every API runs: correlation ids bound to every log line, and a cap on the
size of a request's body."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

import structlog
from fastapi import Depends, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import problem

CORRELATION_HEADER = "x-correlation-id"
_CORRELATION_OK = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


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


async def correlation_id_of(request: Request) -> str:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request
    return str(getattr(request.state, "correlation_id", None) or uuid.uuid4())


CorrelationId = Annotated[str, Depends(correlation_id_of)]
