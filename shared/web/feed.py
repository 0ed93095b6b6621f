"""The event feed every producing service documents: its events in stored order, for
rebuilding projections elsewhere (reporting) without reading this service's tables.

No `from __future__ import annotations` here: FastAPI reads the route's annotations at run
time, and they name the `policy` of the enclosing function."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from shared.web.authorization import Policy
from shared.web.http import RuntimeDep


class FeedPage(BaseModel):
    events: list[dict[str, Any]]
    next_after: int
    head: int


def feed_router(policy: Policy) -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get(
        "/events",
        response_model=FeedPage,
        summary="Zdarzenia usługi w kolejności zapisu (dla odbudowy projekcji)",
        dependencies=[policy.require("events.feed")],
    )
    async def events_feed(
        runtime: RuntimeDep,
        after: Annotated[
            int, Query(ge=0, le=2**62, description="pozycja ostatniego odczytanego")
        ] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> Response:
        async with runtime.engine.connect() as conn:
            events, last = await runtime.store.read_all_json(conn, after=after, limit=limit)
            head = await runtime.store.head_position(conn)
        # A FeedPage, written from the stored rows in one pass (a rebuild reads pages of
        # thousands of events; see EventStore.read_all_json).
        next_after = after if last is None else last
        return Response(
            b'{"events":' + events + b',"next_after":%d,"head":%d}' % (next_after, head),
            media_type="application/json",
        )

    return router
