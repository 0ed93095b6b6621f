"""The event feed every producing service documents: its events in stored order, for
rebuilding projections elsewhere (reporting) without reading this service's tables."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from shared.auth import Role
from shared.errors import DomainError, ErrorKind
from shared.http import CurrentPrincipal, RuntimeDep


class FeedForbidden(DomainError):
    code = "feed-forbidden"
    kind = ErrorKind.FORBIDDEN
    title_pl = "Brak dostępu do strumienia zdarzeń"
    title_en = "No access to the event feed"
    detail_pl = "Strumień zdarzeń jest dostępny tylko dla usług systemu (rola service)."
    detail_en = "The event feed is for the suite's services only (role service)."


class FeedPage(BaseModel):
    events: list[dict[str, Any]]
    next_after: int
    head: int


def feed_router() -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get(
        "/events",
        response_model=FeedPage,
        summary="Zdarzenia usługi w kolejności zapisu (dla odbudowy projekcji)",
    )
    async def events_feed(
        principal: CurrentPrincipal,
        runtime: RuntimeDep,
        after: Annotated[int, Query(ge=0, description="pozycja ostatniego odczytanego")] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    ) -> FeedPage:
        if principal.role is not Role.SERVICE:
            raise FeedForbidden()
        async with runtime.engine.connect() as conn:
            page = await runtime.store.read_all(conn, after=after, limit=limit)
            head = await runtime.store.head_position(conn)
        return FeedPage(
            events=[envelope.model_dump(mode="json") for _, envelope in page],
            next_after=page[-1][0] if page else after,
            head=head,
        )

    return router
