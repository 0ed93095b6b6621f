"""GET /audit: who read or changed a family's personal data in this service.

No `from __future__ import annotations` here: FastAPI reads the route's annotations at run
time, and they name the `policy` of the enclosing function."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from shared.audit import audit_entries
from shared.authorization import Grant, Policy


def audit_router(policy: Policy) -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get("/audit", summary="Rejestr dostępu do danych osobowych rodzin")
    async def get_audit(
        request: Request,
        grant: Annotated[Grant, policy.require("audit.read")],
        family_id: UUID | None = None,
        subject: Annotated[str | None, Query(max_length=200)] = None,
    ) -> list[dict[str, Any]]:
        return await audit_entries(
            request.app.state.runtime,
            family_id=family_id,
            subject=subject,
            districts=grant.districts,
        )

    return router
