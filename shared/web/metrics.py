"""`GET /metrics`: the process's Prometheus metrics in the text exposition format.

No token: Prometheus scrapes inside the deployment's network, and nothing here names a person
(see shared/runtime/metrics.py). Keep the route off the public ingress."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.responses import Response


def mount_metrics(app: FastAPI, refresh: Callable[[], Awaitable[None]] | None = None) -> None:
    """Add `/metrics`; `refresh` samples the database and Redis figures first."""

    # Out of the OpenAPI document: an operator's route, not part of the API callers use.
    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        if refresh is not None:
            await refresh()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
