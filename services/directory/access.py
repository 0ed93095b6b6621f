"""Who may do what in the directory: the policy table, and how an assistant's or an
institution's district is found (for changes; institutions are public to read)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from sqlalchemy import select

from services.directory.adapters.tables import assistants, institutions
from shared.domain.errors import NotFound
from shared.runtime.service import ServiceRuntime
from shared.web.auth import Role
from shared.web.authorization import Grant, Policy, Scope, rule

HEAD, ADMIN = Role.HEAD, Role.ADMIN
STAFF = (HEAD, Role.SOCIAL_WORKER, Role.ASSISTANT, ADMIN)

TABLE = {
    "assistant.register": rule(HEAD, ADMIN, writes=True),
    "assistant.list": rule(*STAFF),
    "assistant.read": rule(*STAFF),
    "assistant.change": rule(HEAD, ADMIN, writes=True),
    "assistant.login": rule(ADMIN, writes=True),
    "assistant.email": rule(ADMIN, writes=True),
    "assistant.me": rule(Role.ASSISTANT),
    "institution.register": rule(HEAD, ADMIN, writes=True),
    "institution.search": rule(*STAFF, Role.CITY_ANALYST),
    "institution.read": rule(*STAFF, Role.CITY_ANALYST),
    "institution.change": rule(HEAD, ADMIN, writes=True),
    "events.feed": rule(Role.SERVICE),
}


async def _scope(
    runtime: ServiceRuntime, params: Mapping[str, Any], *, entity: str, table: Any, key: str
) -> Scope:
    try:
        resource_id = UUID(str(params[key]))
    except ValueError as exc:
        raise NotFound(entity=entity, id=params[key]) from exc
    async with runtime.reads.connect() as conn:
        row = (
            await conn.execute(select(table.c.district).where(table.c[key] == resource_id))
        ).first()
    if row is None:
        raise NotFound(entity=entity, id=resource_id)
    return Scope(entity=entity, resource_id=resource_id, district=row.district)


async def assistant_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    return await _scope(runtime, params, entity="assistant", table=assistants, key="assistant_id")


async def institution_scope(runtime: ServiceRuntime, params: Mapping[str, Any]) -> Scope:
    return await _scope(
        runtime, params, entity="institution", table=institutions, key="institution_id"
    )


def require_assistant_district(grant: Grant, assistant: Mapping[str, Any]) -> None:
    """An assistant of another district answers 404, as a case or a referral does; in their
    own district every member of staff reads them (colleagues included, as in the list)."""
    if not grant.principal.serves(assistant["district"]):
        raise NotFound(entity="assistant", id=assistant["assistant_id"])


POLICY = Policy(TABLE, {"assistant": assistant_scope, "institution": institution_scope})
