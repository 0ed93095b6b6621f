"""Feed envelopes as the producing services' feeds write them, for the rebuild's tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from shared.events import AssistantRegistered

REGISTERED = AssistantRegistered(
    first_name="Ewa",
    last_name="Dąbrowska",
    district="1465188",
    employment_form="civil_law_contract",
    works_since=date(2026, 1, 1),
).model_dump(mode="json")
"""An AssistantRegistered payload, valid as it is."""


def feed_envelope(
    payload: dict[str, Any],
    *,
    event_type: str = "AssistantRegistered",
    aggregate_id: UUID | None = None,
    correlation_id: str = "c",
) -> dict[str, Any]:
    """An assistant's first event as a feed page holds it (JSON-ready)."""
    now = datetime.now(UTC).isoformat()
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "aggregate_type": "assistant",
        "aggregate_id": str(aggregate_id or uuid.uuid4()),
        "aggregate_version": 1,
        "district": "1465188",
        "occurred_at": now,
        "recorded_at": now,
        "actor": "admin:x",
        "correlation_id": correlation_id,
        "payload": payload,
    }
