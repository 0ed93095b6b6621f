"""`GET /metrics`: the process's Prometheus metrics in the text exposition format.

No token: Prometheus scrapes inside the deployment's network, and nothing here names a person
(see shared/runtime/metrics.py). Keep the route off the public ingress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response


def mount_metrics(app: FastAPI, refresh: Callable[[], Awaitable[None]] | None = None) -> None:
    """Add `/metrics`; `refresh` samples the database and Redis figures first."""

    async def metrics(_request: Request) -> Response:
        if refresh is not None:
            await refresh()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    # A plain route, out of the OpenAPI document and the access policies (like /health):
    # an operator's endpoint, not part of the API callers use.
    app.add_route("/metrics", metrics, methods=["GET"], include_in_schema=False)
