"""How each event changes a caseload; an unknown event is an error, never skipped."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from services.casework.domain.caseload.state import Caseload
from shared.events import (
    CaseAddedToCaseload,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseRemovedFromCaseload,
    DomainEvent,
)


class UnknownCaseloadEvent(TypeError):
    pass


def evolve(state: Caseload, event: DomainEvent) -> Caseload:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: Caseload) -> Caseload:
    raise UnknownCaseloadEvent(f"a caseload has no rule for {event.event_type}")


@_apply.register
def _(event: CaseloadOpened, state: Caseload) -> Caseload:
    return replace(
        state,
        exists=True,
        district=event.district,
        limit=event.limit,
        name=event.assistant_name,
    )


@_apply.register
def _(_event: CaseloadSuspended, state: Caseload) -> Caseload:
    return replace(state, active=False)


@_apply.register
def _(_event: CaseloadResumed, state: Caseload) -> Caseload:
    return replace(state, active=True)


@_apply.register
def _(event: CaseAddedToCaseload, state: Caseload) -> Caseload:
    return replace(state, cases=state.cases | {event.case_id})


@_apply.register
def _(event: CaseRemovedFromCaseload, state: Caseload) -> Caseload:
    return replace(state, cases=state.cases - {event.case_id})


HANDLED: frozenset[type[DomainEvent]] = frozenset(
    t for t in _apply.registry if isinstance(t, type) and t is not DomainEvent and t is not object
)
