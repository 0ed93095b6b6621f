"""The audit trail of a service: every read or change of a family's personal data, who did
it, with which role, when, and through which route. Kept in the service's own database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    String,
    Table,
    Uuid,
    insert,
    select,
)

from shared.domain.clock import as_utc
from shared.eventstore.tables import kernel_metadata
from shared.web.auth import Principal

if TYPE_CHECKING:
    from shared.runtime.service import ServiceRuntime


@dataclass(frozen=True, slots=True)
class AuditedRecord:
    """Whose data an action touched: the family, the record and its district."""

    family_id: UUID | None
    entity: str | None
    resource_id: UUID | None
    district: str | None


audit_log = Table(
    "audit_log",
    kernel_metadata,
    Column(
        "id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("subject", String(200), nullable=False, index=True),
    Column("role", String(30), nullable=False),
    Column("action", String(60), nullable=False),
    Column("route", String(200), nullable=False),
    Column("writes", Boolean, nullable=False),
    Column("family_id", Uuid, nullable=True, index=True),
    Column("resource", String(40), nullable=True),
    Column("resource_id", Uuid, nullable=True),
    Column("district", String(7), nullable=True),
)


async def record_access(
    runtime: ServiceRuntime,
    *,
    principal: Principal,
    action: str,
    route: str,
    scope: AuditedRecord | None,
    writes: bool,
) -> None:
    await record_accesses(
        runtime, principal=principal, action=action, route=route, scopes=[scope], writes=writes
    )


async def record_accesses(
    runtime: ServiceRuntime,
    *,
    principal: Principal,
    action: str,
    route: str,
    scopes: Sequence[AuditedRecord | None],
    writes: bool,
) -> None:
    """One audit row per record touched (a list answer names many families), in one
    transaction; a scope of None is an access that named no family."""
    if not scopes:
        return
    at = runtime.clock.now()
    rows = [
        {
            "at": at,
            "subject": principal.subject,
            "role": principal.role.value,
            "action": action,
            "route": route,
            "writes": writes,
            "family_id": scope.family_id if scope else None,
            "resource": scope.entity if scope else None,
            "resource_id": scope.resource_id if scope else None,
            "district": scope.district if scope else None,
        }
        for scope in scopes
    ]
    if len(rows) == 1:
        # One statement is atomic on its own: no BEGIN and COMMIT around it (two round trips
        # fewer on every request that touches a family's data).
        async with runtime.reads.connect() as conn:
            await conn.execute(insert(audit_log), rows[0])
            await conn.commit()  # SQLite's connection keeps a transaction; PostgreSQL's has none
        return
    async with runtime.engine.begin() as conn:
        await conn.execute(insert(audit_log), rows)


async def audit_entries(
    runtime: ServiceRuntime,
    *,
    family_id: UUID | None = None,
    subject: str | None = None,
    districts: frozenset[str] | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if family_id is not None:
        query = query.where(audit_log.c.family_id == family_id)
    if subject is not None:
        query = query.where(audit_log.c.subject == subject)
    if districts is not None:
        query = query.where(audit_log.c.district.in_(districts))
    async with runtime.reads.connect() as conn:
        rows = await conn.execute(query)
        return [{**row._mapping, "at": as_utc(row.at)} for row in rows]
