"""Registering assistants and looking them up."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.directory.adapters.tables import assistants
from services.directory.domain.assistant import ASSISTANT, Assistant, RegisterAssistant, register
from shared.commands import execute
from shared.errors import NotFound
from shared.events import AssistantRegistered, Envelope
from shared.eventstore import EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


async def _project(conn: AsyncConnection, _state: Assistant, envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        event = envelope.event()
        if isinstance(event, AssistantRegistered):
            await conn.execute(
                insert(assistants).values(
                    assistant_id=envelope.aggregate_id,
                    first_name=event.first_name,
                    last_name=event.last_name,
                    district=event.district,
                    employment_form=event.employment_form.value,
                    works_since=event.works_since,
                    registered_at=envelope.recorded_at,
                )
            )


async def register_assistant(
    runtime: ServiceRuntime, *, command: RegisterAssistant, metadata: EventMetadata
) -> UUID:
    assistant_id = uuid.uuid4()
    await execute(
        runtime,
        ASSISTANT,
        assistant_id,
        decide=lambda state: register(state, command),
        district=lambda _state: command.district,
        metadata=metadata,
        after_append=_project,
    )
    log.info("assistant.registered", assistant_id=str(assistant_id), district=command.district)
    return assistant_id


async def list_assistants(runtime: ServiceRuntime, *, district: str) -> list[dict[str, Any]]:
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(assistants)
            .where(assistants.c.district == district)
            .order_by(assistants.c.last_name, assistants.c.first_name)
        )
        return [dict(row._mapping) for row in rows]


async def get_assistant(runtime: ServiceRuntime, assistant_id: UUID) -> dict[str, Any]:
    async with runtime.engine.connect() as conn:
        row = (
            await conn.execute(select(assistants).where(assistants.c.assistant_id == assistant_id))
        ).first()
    if row is None:
        raise NotFound(entity="assistant", id=assistant_id)
    return dict(row._mapping)
