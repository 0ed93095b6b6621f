"""Building blocks for the messaging tests: a table of effects and events to feed it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import AssistantRegistered, Envelope

POISON_NAME = "POISON"  # events with this first name fail, until a test "fixes" the cause

effects_metadata = MetaData()
effects = Table(
    "effects",
    effects_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stream_id", String(120), nullable=False),
    Column("version", Integer, nullable=False),
    Column("first_name", String(100), nullable=False),
)


async def record_effect(conn: AsyncConnection, envelope: Envelope) -> None:
    """A handler whose effect is a row, written in the inbox's transaction."""
    if envelope.payload.get("first_name") == POISON_NAME:
        raise RuntimeError("this event always fails")
    await conn.execute(
        insert(effects).values(
            stream_id=envelope.stream_id,
            version=envelope.aggregate_version,
            first_name=envelope.payload["first_name"],
        )
    )


async def effect_rows(engine: AsyncEngine) -> list[tuple[str, int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(effects.c.stream_id, effects.c.version, effects.c.first_name).order_by(
                effects.c.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def envelope(aggregate_id: uuid.UUID, version: int, first_name: str = "Ewa") -> Envelope:
    event = AssistantRegistered(
        first_name=first_name,
        last_name="Test",
        district="1465068",
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    now = datetime.now(UTC)
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type="assistant",
        aggregate_id=aggregate_id,
        aggregate_version=version,
        district="1465068",
        occurred_at=now,
        recorded_at=now,
        actor="test",
        correlation_id="c",
        payload=event.model_dump(mode="json"),
    )
