"""How each event changes an assistant: one function per event type; an event this aggregate
does not know is an error, not silently ignored."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from services.directory.domain.assistant.state import Assistant, EmploymentTerms
from shared.events import DomainEvent
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmailChanged,
    AssistantEmploymentChanged,
    AssistantLoginChanged,
    AssistantReactivated,
    AssistantRegistered,
)


def evolve(state: Assistant, event: DomainEvent) -> Assistant:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: Assistant) -> Assistant:
    raise TypeError(f"an assistant has no event {type(event).__name__}")


@_apply.register
def _(event: AssistantRegistered, state: Assistant) -> Assistant:
    return replace(
        state,
        registered=True,
        district=event.district,
        terms=EmploymentTerms(
            employment_form=event.employment_form,
            working_time=event.working_time,
            hours_per_week=event.hours_per_week,
            working_time_system=event.working_time_system,
            works_until=event.works_until,
        ),
        works_since=event.works_since,
        working_since=event.works_since,
        active=True,
        login=event.login,
        email=event.email,
    )


@_apply.register
def _(event: AssistantLoginChanged, state: Assistant) -> Assistant:
    return replace(state, login=event.login)


@_apply.register
def _(event: AssistantEmailChanged, state: Assistant) -> Assistant:
    return replace(state, email=event.email)


@_apply.register
def _(event: AssistantEmploymentChanged, state: Assistant) -> Assistant:
    return replace(
        state,
        terms=EmploymentTerms(
            employment_form=event.employment_form,
            working_time=event.working_time,
            hours_per_week=event.hours_per_week,
            working_time_system=event.working_time_system,
            works_until=event.works_until,
        ),
    )


@_apply.register
def _(event: AssistantDeactivated, state: Assistant) -> Assistant:
    return replace(state, active=False, ended_on=event.ended_on)


@_apply.register
def _(event: AssistantReactivated, state: Assistant) -> Assistant:
    terms = state.terms
    return replace(
        state,
        active=True,
        ended_on=None,
        working_since=event.resumed_on,
        terms=replace(terms, works_until=event.works_until) if terms is not None else None,
    )


HANDLED: frozenset[type] = frozenset(t for t in _apply.registry if t is not object)
"""The event types evolve knows (a test checks they are every event of the aggregate)."""

EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    AssistantRegistered,
    AssistantEmploymentChanged,
    AssistantDeactivated,
    AssistantReactivated,
    AssistantLoginChanged,
    AssistantEmailChanged,
)
"""Every event of an assistant's stream (a test checks each is handled)."""
