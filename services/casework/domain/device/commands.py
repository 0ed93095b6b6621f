"""What a device sends, and what a person decides about a held record."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.domain.values import Reason
from shared.events import DeviceRecordContent


@dataclass(frozen=True, kw_only=True)
class ReceiveDeviceRecord:
    """A visit, a note to the plan or a consent recorded on a device: its id made on the
    device, the device's id and the case version the device had when it was made."""

    record_id: UUID
    device_id: str
    case_id: UUID
    case_version: int
    assistant_id: UUID
    content: DeviceRecordContent


@dataclass(frozen=True, kw_only=True)
class ApplyHeldRecord:
    """Apply a held record to a case: its own (e.g. after reopening) or the right one."""

    record_id: UUID
    case_id: UUID


@dataclass(frozen=True, kw_only=True)
class DiscardHeldRecord:
    record_id: UUID
    reason: Reason
