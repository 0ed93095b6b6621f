"""A family's erasure record: the stream on which this service says a family's personal data
is erased, so that every service destroys its keys."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import singledispatch
from uuid import UUID

from shared.domain.aggregate import AggregateType
from shared.events import DomainEvent, FamilyDataErased


@dataclass(frozen=True)
class FamilyRecord:
    district: str = ""
    erasures: int = 0


@dataclass(frozen=True)
class EraseFamily:
    family_id: UUID
    reason: str
    # Where the family was last referred (from the read model): the district of the stream.
    district: str = ""


def erase(
    state: FamilyRecord,  # noqa: ARG001 (an erasure may be repeated: keys stay destroyed)
    command: EraseFamily,
    *,
    today: date,
) -> list[DomainEvent]:
    return [
        FamilyDataErased(erased_on=today, reason=command.reason, district=command.district or None)
    ]


def evolve(state: FamilyRecord, event: DomainEvent) -> FamilyRecord:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: FamilyRecord) -> FamilyRecord:
    raise TypeError(f"a family record has no event {type(event).__name__}")


@_apply.register
def _(event: FamilyDataErased, state: FamilyRecord) -> FamilyRecord:
    return replace(state, district=event.district or state.district, erasures=state.erasures + 1)


HANDLED: frozenset[type] = frozenset(t for t in _apply.registry if t is not object)
"""The event types evolve knows (a test checks they are every event of the aggregate)."""

EVENT_TYPES: tuple[type[DomainEvent], ...] = (FamilyDataErased,)

# The stream carries no family id: its events hold nothing personal, and the family's key is
# destroyed in the same transaction.
FAMILY = AggregateType[FamilyRecord](
    name="family",
    initial=FamilyRecord,
    evolve=evolve,
    district=lambda s: s.district,
    entity="family",
)
