"""GET /audit: who read or changed a family's personal data in this service; and the route a
client (the web app) calls to record that it issued a document made of this service's data.

No `from __future__ import annotations` here: FastAPI reads the route's annotations at run
time, and they name the `policy` of the enclosing function."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.domain.labels import LABELS
from shared.web.audit import AuditedRecord, audit_entries, record_access
from shared.web.authorization import Grant, Policy


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


class IssuedDocument(BaseModel):
    """What was issued: one of the kinds of the label catalogue's `document_kind`."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=40, description="rodzaj dokumentu, np. work_plan")

    @field_validator("kind")
    @classmethod
    def known_kind(cls, value: str) -> str:
        if value not in LABELS["document_kind"]:
            raise ValueError("nieznany rodzaj dokumentu")
        return value


def issued_documents_router(policy: Policy, *, path: str, action: str, resource: str) -> APIRouter:
    """`POST {path}` (e.g. `/cases/{case_id}/documents`): the caller, who may read the resource
    (`action`'s rule, not itself audited), issued a document of the kind sent, made of what
    they read; written to the audit trail as `document.<kind>`. The service owns the data and
    so the trail; the web app that prints the document owns none."""
    router = APIRouter(tags=["audit"])

    @router.post(
        path,
        status_code=204,
        summary="Odnotowanie w rejestrze dostępu wydania dokumentu (wydruku, PDF)",
    )
    async def issued(
        request: Request,
        body: IssuedDocument,
        grant: Annotated[Grant, policy.require(action, resource=resource)],
    ) -> Response:
        scope = grant.scope
        await record_access(
            request.app.state.runtime,
            principal=grant.principal,
            action=f"document.{body.kind}",
            route=f"{request.method} {path}",
            scope=AuditedRecord(scope.family_id, scope.entity, scope.resource_id, scope.district)
            if scope
            else None,
            writes=False,
        )
        return Response(status_code=204)

    return router
