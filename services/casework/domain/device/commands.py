"""What a device sends, and what a person decides about a held record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from shared.domain.values import Reason
from shared.events import DeviceRecordContent, DeviceRecordKind


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


def in_arrival_order(records: Sequence[ReceiveDeviceRecord]) -> list[ReceiveDeviceRecord]:
    """A device's batch in the order it is applied: consents first. A visit recorded after a
    consent on the device then needs no order of its own, and the work starts on the consent's
    arrival, before the visits are counted."""
    return sorted(records, key=lambda r: r.content.kind is not DeviceRecordKind.CONSENT)


@dataclass(frozen=True, kw_only=True)
class ApplyHeldRecord:
    """Apply a held record to a case: its own (e.g. after reopening) or the right one."""

    record_id: UUID
    case_id: UUID


@dataclass(frozen=True, kw_only=True)
class DiscardHeldRecord:
    record_id: UUID
    reason: Reason
