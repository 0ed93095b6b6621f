"""The events that change a case's status carry the status after them; events stored before the
field existed read with the status they led to, so reporting can record the fact."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from shared.events import EVENT_TYPES, CaseStatus, Envelope
from tests.events import envelope_of
from tests.unit.casework.given import opened

OLDER_PAYLOADS = [
    ("CaseOpened", opened().model_dump(mode="json", exclude={"status"}), CaseStatus.WAITING),
    (
        "AssistantAssigned",
        {
            "family_id": str(uuid.uuid4()),
            "assistant_id": str(uuid.uuid4()),
            "assigned_on": "2026-01-12",
        },
        CaseStatus.ACTIVE,
    ),
    (
        "CaseClosed",
        {"reason": "goals_achieved", "closed_on": "2026-02-01", "monitoring_until": "2026-08-01"},
        CaseStatus.MONITORING,
    ),
    ("CaseClosed", {"reason": "moved_away", "closed_on": "2026-02-01"}, CaseStatus.CLOSED),
    ("CaseReopened", {"reopened_on": "2026-03-01", "reason": "Nawrót"}, CaseStatus.WAITING),
    ("MonitoringEnded", {"ended_on": "2026-08-02"}, CaseStatus.CLOSED),
    (
        "CaseTransferred",
        {"from_district": "1465068", "to_district": "1465188", "transferred_on": "2026-05-01"},
        CaseStatus.TRANSFER_PENDING,
    ),
    ("TransferAccepted", {"decided_on": "2026-05-02"}, CaseStatus.WAITING),
    ("TransferDeclined", {"decided_on": "2026-05-02", "reason": "Brak"}, CaseStatus.CLOSED),
]


@pytest.mark.parametrize(
    ("event_type", "payload", "status"), OLDER_PAYLOADS, ids=[p[0] for p in OLDER_PAYLOADS]
)
def test_an_event_stored_without_its_status_reads_with_the_status_it_led_to(
    event_type: str, payload: dict[str, object], status: CaseStatus
) -> None:
    stored = envelope_of(EVENT_TYPES[event_type].model_validate(payload), "case", uuid.uuid4())
    older = Envelope.model_validate({**stored.model_dump(), "payload": payload})
    event = older.event()
    assert event.status is status  # type: ignore[attr-defined]


def test_the_status_survives_the_round_trip_through_json() -> None:
    event = EVENT_TYPES["CaseClosed"].model_validate(
        {"reason": "other", "closed_on": date(2026, 2, 1), "status": "closed"}
    )
    again = EVENT_TYPES["CaseClosed"].model_validate_json(event.model_dump_json())
    assert again == event
    assert again.model_dump(mode="json")["status"] == "closed"
