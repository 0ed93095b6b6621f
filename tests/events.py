"""Envelopes as a producing service would have stored and published them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.events import DomainEvent, Envelope


def envelope_of(
    event: DomainEvent,
    kind: str,
    aggregate_id: uuid.UUID,
    *,
    version: int = 1,
    district: str = "1465068",
) -> Envelope:
    now = datetime.now(UTC)
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type=kind,
        aggregate_id=aggregate_id,
        aggregate_version=version,
        district=district,
        occurred_at=now,
        recorded_at=now,
        actor="test",
        correlation_id="c",
        payload=event.model_dump(mode="json"),
    )
