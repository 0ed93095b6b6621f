"""A court's request for an opinion on a family with an active case: received once (its stream
is the notification's), then forwarded to the case by the event."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import singledispatch
from uuid import UUID

from shared.domain.aggregate import AggregateType
from shared.events import CourtOpinionRequestReceived, DomainEvent


@dataclass(frozen=True)
class CourtRequest:
    exists: bool = False
    district: str = ""
    family_id: UUID | None = None


@dataclass(frozen=True)
class ReceiveOpinionRequest:
    notification_id: UUID
    district: str
    case_id: UUID
    family_id: UUID
    court_name: str
    case_signature: str
    received_on: date
    deadline: date


def receive(
    state: CourtRequest,
    command: ReceiveOpinionRequest,
    *,
    today: date,  # noqa: ARG001 (the one signature of a decision)
) -> list[DomainEvent]:
    if state.exists:
        return []
    return [
        CourtOpinionRequestReceived(
            case_id=command.case_id,
            family_id=command.family_id,
            court_name=command.court_name,
            case_signature=command.case_signature,
            received_on=command.received_on,
            deadline=command.deadline,
            district=command.district,
        )
    ]


def evolve(state: CourtRequest, event: DomainEvent) -> CourtRequest:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: CourtRequest) -> CourtRequest:
    raise TypeError(f"a court request has no event {type(event).__name__}")


@_apply.register
def _(event: CourtOpinionRequestReceived, state: CourtRequest) -> CourtRequest:
    return replace(state, exists=True, district=event.district or "", family_id=event.family_id)


HANDLED: frozenset[type] = frozenset(t for t in _apply.registry if t is not object)
"""The event types evolve knows (a test checks they are every event of the aggregate)."""

EVENT_TYPES: tuple[type[DomainEvent], ...] = (CourtOpinionRequestReceived,)

COURT_REQUEST = AggregateType[CourtRequest](
    name="court_request",
    initial=CourtRequest,
    evolve=evolve,
    district=lambda s: s.district,
    entity="notification",
    exists=lambda s: s.exists,
    family_id=lambda s: s.family_id,
)
