"""How each event changes an institution: one function per event type; an event this
aggregate does not know is an error, not silently ignored."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from services.directory.domain.institution.state import Institution
from shared.events import DomainEvent
from shared.events.directory import InstitutionClosed, InstitutionRegistered, InstitutionUpdated


def evolve(state: Institution, event: DomainEvent) -> Institution:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: Institution) -> Institution:
    raise TypeError(f"an institution has no event {type(event).__name__}")


@_apply.register
def _(event: InstitutionRegistered, state: Institution) -> Institution:
    return replace(state, exists=True, details=event.details)


@_apply.register
def _(event: InstitutionUpdated, state: Institution) -> Institution:
    return replace(state, exists=True, details=event.details)


@_apply.register
def _(event: InstitutionClosed, state: Institution) -> Institution:
    return replace(state, closed_on=event.closed_on)


HANDLED: frozenset[type] = frozenset(t for t in _apply.registry if t is not object)
"""The event types evolve knows (a test checks they are every event of the aggregate)."""

EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    InstitutionRegistered,
    InstitutionUpdated,
    InstitutionClosed,
)
"""Every event of an institution's stream (a test checks each is handled)."""
