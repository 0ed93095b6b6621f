"""A record from a device that waits "do wyjaśnienia": its state, folded from its events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from shared.events import DeviceRecordContent, HoldReason


class HeldStatus(StrEnum):
    HELD = "held"  # waits for a person
    APPLIED = "applied"  # a person applied it to a case
    DISCARDED = "discarded"  # a person discarded it


@dataclass(frozen=True)
class HeldRecord:
    exists: bool = False
    status: HeldStatus = HeldStatus.HELD
    record_id: UUID | None = None
    device_id: str = ""
    case_id: UUID | None = None
    case_version: int = 0
    assistant_id: UUID | None = None
    district: str = ""
    family_id: UUID | None = None
    reason: HoldReason | None = None
    content: DeviceRecordContent | None = None
    applied_to: UUID | None = None
