"""Records made on an assistant's device (offline) and the review ("do wyjaśnienia") of those
that no longer applied when they arrived. A held record is its own aggregate, one stream per
record id; an applied record is an event of its case whose id is the record's."""

from __future__ import annotations

from services.casework.domain.device.evolve import evolve
from services.casework.domain.device.state import HeldRecord, HeldStatus
from shared.domain.aggregate import AggregateType

HELD_RECORD = AggregateType[HeldRecord](
    name="device_record",
    initial=HeldRecord,
    evolve=evolve,
    district=lambda s: s.district,
    entity="device_record",
    exists=lambda s: s.exists,
    family_id=lambda s: s.family_id,
)

__all__ = ["HELD_RECORD", "HeldRecord", "HeldStatus"]
