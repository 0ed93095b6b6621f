"""An assistant's caseload: the families an assistant works with now.

The rule it owns: an assistant works with at most 15 families at once (art. 15 ust. 4),
"Za życiem" families included, only with families of their own centre's district, and takes
no new family once they stopped working for the centre.
Every assignment appends to this stream with its expected version, so two concurrent
assignments cannot both take the last place: one of them conflicts and decides again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from shared.aggregate import AggregateType
from shared.errors import DomainError
from shared.events import (
    CASELOAD_LIMIT,
    CaseAddedToCaseload,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseRemovedFromCaseload,
    DomainEvent,
)


@dataclass(frozen=True)
class Caseload:
    exists: bool = False
    district: str = ""
    limit: int = CASELOAD_LIMIT
    cases: frozenset[UUID] = frozenset()
    active: bool = True

    @property
    def free_places(self) -> int:
        return max(self.limit - len(self.cases), 0)


class CaseloadLimitReached(DomainError):
    code = "caseload-limit-reached"
    title_pl = "Limit rodzin asystenta osiągnięty"
    title_en = "Caseload limit reached"
    detail_pl = (
        "Asystent prowadzi już {active} rodzin; ustawowy limit to {limit} (art. 15 ust. 4 "
        "ustawy o wspieraniu rodziny). Wybierz innego asystenta."
    )
    detail_en = (
        "The assistant already works with {active} families; the statutory limit is {limit}. "
        "Choose another assistant."
    )


class AssistantOfAnotherDistrict(DomainError):
    code = "assistant-of-another-district"
    title_pl = "Asystent z innej dzielnicy"
    title_en = "Assistant of another district"
    detail_pl = "Asystent pracuje w ośrodku {assistant_district}, a rodzina należy do {district}."
    detail_en = "The assistant works for {assistant_district}; the family belongs to {district}."


def open_caseload(state: Caseload, *, district: str) -> list[DomainEvent]:
    if state.exists:
        return []
    return [CaseloadOpened(district=district)]


class AssistantNotWorking(DomainError):
    code = "assistant-not-working"
    title_pl = "Asystent nie pracuje"
    title_en = "Assistant not working"
    detail_pl = "Ten asystent zakończył pracę w ośrodku; wybierz innego asystenta."
    detail_en = "This assistant no longer works for the centre; choose another one."


def take(state: Caseload, *, case_id: UUID, case_district: str) -> list[DomainEvent]:
    if not state.active:
        raise AssistantNotWorking()
    if state.district != case_district:
        raise AssistantOfAnotherDistrict(assistant_district=state.district, district=case_district)
    if case_id in state.cases:
        return []
    if len(state.cases) >= state.limit:
        raise CaseloadLimitReached(active=len(state.cases), limit=state.limit)
    return [CaseAddedToCaseload(case_id=case_id)]


def release(state: Caseload, *, case_id: UUID) -> list[DomainEvent]:
    if case_id not in state.cases:
        return []
    return [CaseRemovedFromCaseload(case_id=case_id)]


def suspend(state: Caseload, *, since: date) -> list[DomainEvent]:
    return [CaseloadSuspended(since=since)] if state.exists and state.active else []


def resume(state: Caseload, *, since: date) -> list[DomainEvent]:
    return [CaseloadResumed(since=since)] if state.exists and not state.active else []


def evolve(state: Caseload, event: DomainEvent) -> Caseload:
    match event:
        case CaseloadSuspended():
            return replace(state, active=False)
        case CaseloadResumed():
            return replace(state, active=True)
        case CaseloadOpened():
            return replace(state, exists=True, district=event.district, limit=event.limit)
        case CaseAddedToCaseload():
            return replace(state, cases=state.cases | {event.case_id})
        case CaseRemovedFromCaseload():
            return replace(state, cases=state.cases - {event.case_id})
    return state


CASELOAD = AggregateType[Caseload](name="caseload", initial=Caseload, evolve=evolve)
