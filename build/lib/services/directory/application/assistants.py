"""Registering assistants, their terms of employment and whether they work; looking them up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select

from services.directory.adapters.tables import assistants
from services.directory.application.projection import project_all
from services.directory.domain import assistant as rules
from services.directory.domain.assistant import (
    ASSISTANT,
    Assistant,
    ChangeEmployment,
    DeactivateAssistant,
    EmploymentTerms,
    ReactivateAssistant,
    RegisterAssistant,
)
from shared.commands import execute
from shared.errors import NotFound
from shared.events import DomainEvent
from shared.events.directory import DeactivationReason
from shared.eventstore import EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


async def register_assistant(
    runtime: ServiceRuntime, *, command: RegisterAssistant, metadata: EventMetadata
) -> UUID:
    assistant_id = uuid.uuid4()
    await execute(
        runtime,
        ASSISTANT,
        assistant_id,
        decide=lambda state: rules.register(state, command),
        district=lambda _state: command.district,
        metadata=metadata,
        after_append=project_all,
    )
    log.info("assistant.registered", assistant_id=str(assistant_id), district=command.district)
    return assistant_id


async def _on_existing(
    runtime: ServiceRuntime,
    assistant_id: UUID,
    decide: Callable[[Assistant], list[DomainEvent]],
    metadata: EventMetadata,
) -> Assistant:
    def decision(state: Assistant) -> list[DomainEvent]:
        if not state.registered:
            raise NotFound(entity="assistant", id=assistant_id)
        return decide(state)

    state, _ = await execute(
        runtime,
        ASSISTANT,
        assistant_id,
        decide=decision,
        district=lambda state: str(state.district),
        metadata=metadata,
        after_append=project_all,
    )
    return state


async def change_employment(
    runtime: ServiceRuntime,
    assistant_id: UUID,
    *,
    terms: EmploymentTerms,
    effective_from: date | None,
    metadata: EventMetadata,
) -> None:
    command = ChangeEmployment(terms=terms, effective_from=effective_from or runtime.clock.today())
    await _on_existing(
        runtime, assistant_id, lambda s: rules.change_employment(s, command), metadata
    )
    log.info("assistant.employment_changed", assistant_id=str(assistant_id))


async def deactivate_assistant(
    runtime: ServiceRuntime,
    assistant_id: UUID,
    *,
    ended_on: date | None,
    reason: DeactivationReason,
    metadata: EventMetadata,
) -> None:
    today = runtime.clock.today()
    command = DeactivateAssistant(ended_on=ended_on or today, reason=reason, today=today)
    await _on_existing(runtime, assistant_id, lambda s: rules.deactivate(s, command), metadata)
    log.info("assistant.deactivated", assistant_id=str(assistant_id), reason=reason.value)


async def reactivate_assistant(
    runtime: ServiceRuntime,
    assistant_id: UUID,
    *,
    resumed_on: date | None,
    works_until: date | None,
    metadata: EventMetadata,
) -> None:
    today = runtime.clock.today()
    command = ReactivateAssistant(
        resumed_on=resumed_on or today, today=today, works_until=works_until
    )
    await _on_existing(runtime, assistant_id, lambda s: rules.reactivate(s, command), metadata)
    log.info("assistant.reactivated", assistant_id=str(assistant_id))


async def list_assistants(
    runtime: ServiceRuntime, *, district: str | None = None, active: bool | None = None
) -> list[dict[str, Any]]:
    query = select(assistants).order_by(
        assistants.c.last_name, assistants.c.first_name, assistants.c.assistant_id
    )
    if district is not None:
        query = query.where(assistants.c.district == district)
    if active is not None:
        query = query.where(assistants.c.active == active)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query)
        return [dict(row._mapping) for row in rows]


async def get_assistant(runtime: ServiceRuntime, assistant_id: UUID) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = (
            await conn.execute(select(assistants).where(assistants.c.assistant_id == assistant_id))
        ).first()
    if row is None:
        raise NotFound(entity="assistant", id=assistant_id)
    return dict(row._mapping)
