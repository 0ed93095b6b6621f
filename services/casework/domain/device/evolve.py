"""How each event changes a held device record."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from services.casework.domain.device.state import HeldRecord, HeldStatus
from shared.events import DeviceRecordHeld, DomainEvent, HeldRecordApplied, HeldRecordDiscarded


class UnknownHeldRecordEvent(TypeError):
    pass


def evolve(state: HeldRecord, event: DomainEvent) -> HeldRecord:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: HeldRecord) -> HeldRecord:
    raise UnknownHeldRecordEvent(f"a held device record has no rule for {event.event_type}")


@_apply.register
def _(event: DeviceRecordHeld, state: HeldRecord) -> HeldRecord:
    return replace(
        state,
        exists=True,
        status=HeldStatus.HELD,
        record_id=event.record_id,
        device_id=event.device_id,
        case_id=event.case_id,
        case_version=event.case_version,
        assistant_id=event.assistant_id,
        district=event.district,
        family_id=event.family_id,
        reason=event.reason,
        content=event.content,
    )


@_apply.register
def _(event: HeldRecordApplied, state: HeldRecord) -> HeldRecord:
    return replace(state, status=HeldStatus.APPLIED, applied_to=event.case_id)


@_apply.register
def _(_event: HeldRecordDiscarded, state: HeldRecord) -> HeldRecord:
    return replace(state, status=HeldStatus.DISCARDED)


HANDLED: frozenset[type[DomainEvent]] = frozenset(
    t for t in _apply.registry if isinstance(t, type) and t is not DomainEvent and t is not object
)
