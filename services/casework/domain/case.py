"""A family's case: opened when assistance is granted, worked on by one assistant at a time.

Rules:
- a case is opened once per granted referral;
- a case waits for an assistant (the waiting list) until one is assigned; reassignment to
  another assistant keeps the history;
- visits and plan revisions need an assigned assistant;
- a visit cannot be dated before the case was opened, nor in the future;
- every plan revision is kept; each gets the next version number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.aggregate import AggregateType
from shared.errors import DomainError, ErrorKind
from shared.events import (
    AssistantAssigned,
    CaseOpened,
    DomainEvent,
    FamilyMember,
    PlanAction,
    PlanUpdated,
    ReferralSource,
    VisitLogged,
    VisitPlace,
    VisitTopic,
)


class CaseStatus(StrEnum):
    WAITING = "waiting"  # granted, no assistant yet: on the waiting list
    ACTIVE = "active"


@dataclass(frozen=True)
class Case:
    exists: bool = False
    district: str = ""
    family_id: UUID | None = None
    referral_id: UUID | None = None
    source: ReferralSource | None = None
    obligatory: bool = False
    status: CaseStatus = CaseStatus.WAITING
    assistant_id: UUID | None = None
    opened_on: date | None = None
    plan_version: int = 0
    last_visit_on: date | None = None


@dataclass(frozen=True)
class OpenCase:
    referral_id: UUID
    family_id: UUID
    district: str
    source: ReferralSource
    obligatory: bool
    opened_on: date
    members: tuple[FamilyMember, ...]


@dataclass(frozen=True)
class AssignAssistant:
    assistant_id: UUID
    assigned_on: date


@dataclass(frozen=True)
class LogVisit:
    visit_id: UUID
    visited_on: date
    duration_minutes: int
    place: VisitPlace
    present: tuple[str, ...]
    topics: tuple[VisitTopic, ...]
    note: str


@dataclass(frozen=True)
class UpdatePlan:
    actions: tuple[PlanAction, ...]
    agreed_with_social_worker: str
    updated_on: date


class CaseAlreadyOpened(DomainError):
    code = "case-already-opened"
    title_pl = "Sprawa już założona"
    title_en = "Case already opened"


class AlreadyAssigned(DomainError):
    code = "already-assigned"
    title_pl = "Asystent już przydzielony"
    title_en = "Assistant already assigned"
    detail_pl = "Ten asystent już prowadzi tę rodzinę."
    detail_en = "This assistant already works with this family."


class NoAssistantAssigned(DomainError):
    code = "no-assistant-assigned"
    title_pl = "Brak przydzielonego asystenta"
    title_en = "No assistant assigned"
    detail_pl = "Rodzina czeka na przydział asystenta; najpierw przydziel asystenta."
    detail_en = "The family is waiting for an assistant; assign one first."


class VisitDateOutOfRange(DomainError):
    code = "visit-date-out-of-range"
    kind = ErrorKind.INVALID
    title_pl = "Nieprawidłowa data wizyty"
    title_en = "Visit date out of range"
    detail_pl = "Data wizyty {visited_on} musi przypadać między {opened_on} a {today}."
    detail_en = "The visit date {visited_on} must be between {opened_on} and {today}."


def open_case(state: Case, command: OpenCase) -> list[DomainEvent]:
    if state.exists:
        raise CaseAlreadyOpened()
    return [
        CaseOpened(
            referral_id=command.referral_id,
            family_id=command.family_id,
            district=command.district,
            source=command.source,
            obligatory=command.obligatory,
            opened_on=command.opened_on,
            members=command.members,
        )
    ]


def assign(state: Case, command: AssignAssistant) -> list[DomainEvent]:
    if state.assistant_id == command.assistant_id:
        raise AlreadyAssigned()
    assert state.family_id is not None
    return [
        AssistantAssigned(
            family_id=state.family_id,
            assistant_id=command.assistant_id,
            previous_assistant_id=state.assistant_id,
            assigned_on=command.assigned_on,
        )
    ]


def log_visit(state: Case, command: LogVisit, *, today: date) -> list[DomainEvent]:
    if state.assistant_id is None:
        raise NoAssistantAssigned()
    assert state.opened_on is not None
    if not state.opened_on <= command.visited_on <= today:
        raise VisitDateOutOfRange(
            visited_on=command.visited_on.isoformat(),
            opened_on=state.opened_on.isoformat(),
            today=today.isoformat(),
        )
    return [
        VisitLogged(
            visit_id=command.visit_id,
            assistant_id=state.assistant_id,
            visited_on=command.visited_on,
            duration_minutes=command.duration_minutes,
            place=command.place,
            present=command.present,
            topics=command.topics,
            note=command.note,
        )
    ]


def update_plan(state: Case, command: UpdatePlan) -> list[DomainEvent]:
    if state.assistant_id is None:
        raise NoAssistantAssigned()
    return [
        PlanUpdated(
            plan_version=state.plan_version + 1,
            actions=command.actions,
            agreed_with_social_worker=command.agreed_with_social_worker,
            updated_on=command.updated_on,
        )
    ]


def evolve(state: Case, event: DomainEvent) -> Case:
    match event:
        case CaseOpened():
            return replace(
                state,
                exists=True,
                district=event.district,
                family_id=event.family_id,
                referral_id=event.referral_id,
                source=event.source,
                obligatory=event.obligatory,
                opened_on=event.opened_on,
            )
        case AssistantAssigned():
            return replace(state, assistant_id=event.assistant_id, status=CaseStatus.ACTIVE)
        case PlanUpdated():
            return replace(state, plan_version=event.plan_version)
        case VisitLogged():
            last = state.last_visit_on
            return replace(
                state,
                last_visit_on=event.visited_on if last is None else max(last, event.visited_on),
            )
    return state


CASE = AggregateType[Case](name="case", initial=Case, evolve=evolve)
