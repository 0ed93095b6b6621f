"""A family's case, from the grant to the end of monitoring.

Rules (art. 11-17 of the Act of 9 June 2011 on family support; see domain.md):
- a case is opened once per granted referral and waits for an assistant (the waiting list);
- reassignment to another assistant keeps the history;
- work starts when an assistant is assigned and the family's written consent is recorded;
  obligatory routes (court order, minor parent) need no consent;
- visits, plan revisions and assessments need work to have started;
- a visit is dated between the opening of the case and today;
- every plan revision is kept and numbered;
- the family's situation is assessed at least every 6 months from the start of work or the
  previous assessment; the next due date is part of the case;
- a court's request for an opinion has a deadline; an opinion is submitted once;
- closure gives a reason; monitoring follows for a period the centre sets (6 months by
  default), during which the case can be reopened; afterwards it is over;
- a family that moves is transferred with its history; the new centre decides again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.aggregate import AggregateType
from shared.dates import add_months
from shared.errors import DomainError, ErrorKind
from shared.events import (
    AssistantAssigned,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    ClosureReason,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    DomainEvent,
    FamilyConsentRecorded,
    FamilyMember,
    FamilySituationAssessed,
    FurtherReferralReceived,
    MonitoringEnded,
    PlanAction,
    PlanUpdated,
    ReferralSource,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    VisitPlace,
    VisitTopic,
    WorkStarted,
)

ASSESSMENT_INTERVAL_MONTHS = 6
DEFAULT_MONITORING_MONTHS = 6


class CaseStatus(StrEnum):
    WAITING = "waiting"  # granted, no assistant yet: on the waiting list
    ACTIVE = "active"  # an assistant works with the family (counts against the limit)
    MONITORING = "monitoring"  # work ended; the assistant watches for a while
    CLOSED = "closed"
    TRANSFER_PENDING = "transfer_pending"  # moved; the new centre's head has not decided


@dataclass(frozen=True)
class CourtRequest:
    request_id: UUID
    deadline: date
    submitted_on: date | None = None


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
    consent_on: date | None = None
    work_started_on: date | None = None
    next_assessment_due: date | None = None
    last_assessed_on: date | None = None
    court_requests: tuple[CourtRequest, ...] = ()
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    monitoring_until: date | None = None
    monitoring_assistant_id: UUID | None = None
    districts: tuple[str, ...] = ()  # every centre the case was with, in order

    @property
    def may_work(self) -> bool:
        return self.status is CaseStatus.ACTIVE and self.work_started_on is not None

    def assessment_overdue(self, today: date) -> bool:
        return (
            self.status is CaseStatus.ACTIVE
            and self.next_assessment_due is not None
            and self.next_assessment_due < today
        )


# Commands ---------------------------------------------------------------------------------


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
class RecordConsent:
    given_on: date
    signed_by: tuple[str, ...]


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
    foster_care_coordinator: str | None = None
    foster_care_plan_reference: str | None = None


@dataclass(frozen=True)
class AssessFamily:
    assessed_on: date
    summary: str


@dataclass(frozen=True)
class RequestCourtOpinion:
    request_id: UUID
    court_name: str
    case_signature: str
    requested_on: date
    deadline: date


@dataclass(frozen=True)
class SubmitCourtOpinion:
    request_id: UUID
    submitted_on: date
    summary: str


@dataclass(frozen=True)
class CloseCase:
    reason: ClosureReason
    closed_on: date
    note: str = ""
    children_placed_in_foster_care: int = 0
    monitoring_months: int = DEFAULT_MONITORING_MONTHS


@dataclass(frozen=True)
class ReopenCase:
    reopened_on: date
    reason: str


@dataclass(frozen=True)
class TransferCase:
    to_district: str
    transferred_on: date


# Errors -----------------------------------------------------------------------------------


class CaseAlreadyOpened(DomainError):
    code = "case-already-opened"
    title_pl = "Sprawa już założona"
    title_en = "Case already opened"


ACTIONS: dict[str, tuple[str, str]] = {
    "assign": ("przydział asystenta", "assigning an assistant"),
    "consent": ("odnotowanie zgody", "recording consent"),
    "work": ("praca z rodziną", "work with the family"),
    "court_request": ("wezwanie sądu o opinię", "a court's request for an opinion"),
    "close": ("zakończenie pracy", "closing the case"),
    "reopen": ("ponowne otwarcie", "reopening"),
    "transfer": ("przekazanie do innego ośrodka", "a transfer to another centre"),
    "transfer_decision": ("decyzja o przejęciu sprawy", "deciding on a transferred case"),
}


class WrongCaseStatus(DomainError):
    code = "wrong-case-status"
    title_pl = "Niedozwolone w tym stanie sprawy"
    title_en = "Not allowed in the case's current state"

    def detail(self, language: str) -> str:
        pl, en = ACTIONS[str(self.params["action"])]
        if language == "en":
            return (
                f"The case is {self.params['state']}; {en} is only possible when it is: "
                f"{self.params['allowed']}."
            )
        return (
            f"Sprawa ma stan „{self.params['state']}”; {pl} jest możliwe tylko w stanie: "
            f"{self.params['allowed']}."
        )


def _require(state: Case, action: str, *allowed: CaseStatus) -> None:
    if state.status not in allowed:
        raise WrongCaseStatus(
            state=state.status.value, action=action, allowed=", ".join(a.value for a in allowed)
        )


class AlreadyAssigned(DomainError):
    code = "already-assigned"
    title_pl = "Asystent już przydzielony"
    title_en = "Assistant already assigned"
    detail_pl = "Ten asystent już prowadzi tę rodzinę."
    detail_en = "This assistant already works with this family."


class WorkNotStarted(DomainError):
    code = "work-not-started"
    title_pl = "Praca z rodziną się nie rozpoczęła"
    title_en = "Work with the family has not started"
    detail_pl = (
        "Praca z rodziną zaczyna się po przydzieleniu asystenta i odebraniu pisemnej zgody "
        "rodziny (nie dotyczy skierowań z sądu i małoletnich rodziców)."
    )
    detail_en = (
        "Work starts once an assistant is assigned and the family's written consent is "
        "recorded (not needed on court orders and for minor parents)."
    )


class ConsentAlreadyRecorded(DomainError):
    code = "consent-already-recorded"
    title_pl = "Zgoda już odnotowana"
    title_en = "Consent already recorded"


class DateOutOfRange(DomainError):
    code = "date-out-of-range"
    kind = ErrorKind.INVALID
    title_pl = "Nieprawidłowa data"
    title_en = "Date out of range"
    detail_pl = "Data „{field}” ({value}) musi przypadać między {earliest} a {latest}."
    detail_en = "The date '{field}' ({value}) must be between {earliest} and {latest}."


def _within(field: str, value: date, earliest: date, latest: date) -> None:
    if not earliest <= value <= latest:
        raise DateOutOfRange(
            field=field,
            value=value.isoformat(),
            earliest=earliest.isoformat(),
            latest=latest.isoformat(),
        )


class DeadlineBeforeRequest(DomainError):
    code = "deadline-before-request"
    kind = ErrorKind.INVALID
    title_pl = "Termin przed datą wezwania"
    title_en = "Deadline before the request"


class UnknownCourtRequest(DomainError):
    code = "unknown-court-request"
    kind = ErrorKind.NOT_FOUND
    title_pl = "Nie ma takiego wezwania sądu"
    title_en = "No such court request"


class OpinionAlreadySubmitted(DomainError):
    code = "opinion-already-submitted"
    title_pl = "Opinia już złożona"
    title_en = "Opinion already submitted"


class MonitoringPeriodOver(DomainError):
    code = "monitoring-period-over"
    title_pl = "Okres monitorowania minął"
    title_en = "Monitoring period is over"
    detail_pl = (
        "Monitorowanie rodziny trwało do {until}; ponowne objęcie wsparciem wymaga nowego "
        "zgłoszenia."
    )
    detail_en = "Monitoring lasted until {until}; further support needs a new referral."


class TransferToSameDistrict(DomainError):
    code = "transfer-to-same-district"
    kind = ErrorKind.INVALID
    title_pl = "Przekazanie do tej samej dzielnicy"
    title_en = "Transfer to the same district"


# Decisions --------------------------------------------------------------------------------


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


def _work_starts(state: Case, on: date) -> list[DomainEvent]:
    """WorkStarted once both conditions hold: an assistant and consent (or obligation)."""
    if state.work_started_on is not None or state.assistant_id is None:
        return []
    if not state.obligatory and state.consent_on is None:
        return []
    return [
        WorkStarted(started_on=on, next_assessment_due=add_months(on, ASSESSMENT_INTERVAL_MONTHS))
    ]


def assign(state: Case, command: AssignAssistant) -> list[DomainEvent]:
    _require(state, "assign", CaseStatus.WAITING, CaseStatus.ACTIVE)
    if state.assistant_id == command.assistant_id:
        raise AlreadyAssigned()
    assert state.family_id is not None
    assigned = AssistantAssigned(
        family_id=state.family_id,
        assistant_id=command.assistant_id,
        previous_assistant_id=state.assistant_id,
        assigned_on=command.assigned_on,
    )
    return [assigned, *_work_starts(evolve(state, assigned), command.assigned_on)]


def record_consent(state: Case, command: RecordConsent, *, today: date) -> list[DomainEvent]:
    _require(state, "consent", CaseStatus.WAITING, CaseStatus.ACTIVE)
    if state.consent_on is not None:
        raise ConsentAlreadyRecorded()
    assert state.opened_on is not None
    _within("given_on", command.given_on, state.opened_on, today)
    consent = FamilyConsentRecorded(given_on=command.given_on, signed_by=command.signed_by)
    return [consent, *_work_starts(evolve(state, consent), today)]


def _require_work(state: Case) -> None:
    _require(state, "work", CaseStatus.ACTIVE)
    if state.work_started_on is None:
        raise WorkNotStarted()


def log_visit(state: Case, command: LogVisit, *, today: date) -> list[DomainEvent]:
    _require_work(state)
    assert state.opened_on is not None and state.assistant_id is not None
    _within("visited_on", command.visited_on, state.opened_on, today)
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
    _require_work(state)
    return [
        PlanUpdated(
            plan_version=state.plan_version + 1,
            actions=command.actions,
            agreed_with_social_worker=command.agreed_with_social_worker,
            updated_on=command.updated_on,
            foster_care_coordinator=command.foster_care_coordinator,
            foster_care_plan_reference=command.foster_care_plan_reference,
        )
    ]


def assess(state: Case, command: AssessFamily, *, today: date) -> list[DomainEvent]:
    _require_work(state)
    assert state.work_started_on is not None
    _within(
        "assessed_on", command.assessed_on, state.last_assessed_on or state.work_started_on, today
    )
    return [
        FamilySituationAssessed(
            assessed_on=command.assessed_on,
            summary=command.summary,
            submitted_to_head_on=today,
            next_assessment_due=add_months(command.assessed_on, ASSESSMENT_INTERVAL_MONTHS),
        )
    ]


def request_court_opinion(state: Case, command: RequestCourtOpinion) -> list[DomainEvent]:
    _require(
        state,
        "court_request",
        CaseStatus.WAITING,
        CaseStatus.ACTIVE,
        CaseStatus.MONITORING,
    )
    if command.deadline < command.requested_on:
        raise DeadlineBeforeRequest()
    if any(r.request_id == command.request_id for r in state.court_requests):
        return []  # the same request again: already recorded
    return [
        CourtOpinionRequested(
            request_id=command.request_id,
            court_name=command.court_name,
            case_signature=command.case_signature,
            requested_on=command.requested_on,
            deadline=command.deadline,
        )
    ]


def submit_court_opinion(
    state: Case, command: SubmitCourtOpinion, *, today: date
) -> list[DomainEvent]:
    request = next((r for r in state.court_requests if r.request_id == command.request_id), None)
    if request is None:
        raise UnknownCourtRequest()
    if request.submitted_on is not None:
        raise OpinionAlreadySubmitted()
    assert state.opened_on is not None
    _within("submitted_on", command.submitted_on, state.opened_on, today)
    return [
        CourtOpinionSubmitted(
            request_id=command.request_id,
            submitted_on=command.submitted_on,
            summary=command.summary,
        )
    ]


def close(state: Case, command: CloseCase, *, today: date) -> list[DomainEvent]:
    _require(state, "close", CaseStatus.WAITING, CaseStatus.ACTIVE)
    assert state.opened_on is not None
    _within("closed_on", command.closed_on, state.opened_on, today)
    # Monitoring needs someone to monitor: only families an assistant worked with.
    monitored = command.monitoring_months > 0 and state.assistant_id is not None
    return [
        CaseClosed(
            reason=command.reason,
            closed_on=command.closed_on,
            note=command.note,
            children_placed_in_foster_care=command.children_placed_in_foster_care,
            monitoring_until=(
                add_months(command.closed_on, command.monitoring_months) if monitored else None
            ),
        )
    ]


def reopen(state: Case, command: ReopenCase) -> list[DomainEvent]:
    _require(state, "reopen", CaseStatus.MONITORING)
    assert state.monitoring_until is not None
    if command.reopened_on > state.monitoring_until:
        raise MonitoringPeriodOver(until=state.monitoring_until.isoformat())
    return [CaseReopened(reopened_on=command.reopened_on, reason=command.reason)]


def end_monitoring(state: Case, *, today: date) -> list[DomainEvent]:
    if state.status is not CaseStatus.MONITORING or state.monitoring_until is None:
        return []
    if today <= state.monitoring_until:
        return []
    return [MonitoringEnded(ended_on=today)]


def transfer(state: Case, command: TransferCase) -> list[DomainEvent]:
    _require(state, "transfer", CaseStatus.WAITING, CaseStatus.ACTIVE)
    if command.to_district == state.district:
        raise TransferToSameDistrict()
    return [
        CaseTransferred(
            from_district=state.district,
            to_district=command.to_district,
            transferred_on=command.transferred_on,
        )
    ]


def accept_transfer(state: Case, *, today: date) -> list[DomainEvent]:
    _require(state, "transfer_decision", CaseStatus.TRANSFER_PENDING)
    return [TransferAccepted(decided_on=today)]


def decline_transfer(state: Case, *, reason: str, today: date) -> list[DomainEvent]:
    _require(state, "transfer_decision", CaseStatus.TRANSFER_PENDING)
    return [TransferDeclined(decided_on=today, reason=reason)]


def link_referral(
    state: Case,
    *,
    referral_id: UUID,
    source: ReferralSource,
    sender_reference: str | None,
    referred_on: date,
) -> list[DomainEvent]:
    return [
        FurtherReferralReceived(
            referral_id=referral_id,
            source=source,
            sender_reference=sender_reference,
            referred_on=referred_on,
        )
    ]


# Evolution --------------------------------------------------------------------------------


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
                districts=(event.district,),
            )
        case AssistantAssigned():
            return replace(state, assistant_id=event.assistant_id, status=CaseStatus.ACTIVE)
        case FamilyConsentRecorded():
            return replace(state, consent_on=event.given_on)
        case WorkStarted():
            return replace(
                state,
                work_started_on=event.started_on,
                next_assessment_due=event.next_assessment_due,
            )
        case PlanUpdated():
            return replace(state, plan_version=event.plan_version)
        case VisitLogged():
            last = state.last_visit_on
            return replace(
                state,
                last_visit_on=event.visited_on if last is None else max(last, event.visited_on),
            )
        case FamilySituationAssessed():
            return replace(
                state,
                last_assessed_on=event.assessed_on,
                next_assessment_due=event.next_assessment_due,
            )
        case CourtOpinionRequested():
            request = CourtRequest(request_id=event.request_id, deadline=event.deadline)
            return replace(state, court_requests=(*state.court_requests, request))
        case CourtOpinionSubmitted():
            return replace(
                state,
                court_requests=tuple(
                    replace(r, submitted_on=event.submitted_on)
                    if r.request_id == event.request_id
                    else r
                    for r in state.court_requests
                ),
            )
        case CaseClosed():
            return replace(
                state,
                status=CaseStatus.MONITORING if event.monitoring_until else CaseStatus.CLOSED,
                closed_on=event.closed_on,
                closure_reason=event.reason,
                monitoring_until=event.monitoring_until,
                monitoring_assistant_id=state.assistant_id,
                assistant_id=None,
                next_assessment_due=None,
            )
        case CaseReopened():
            # Work begins again: a (re)assignment starts it, with a fresh assessment clock.
            return replace(
                state,
                status=CaseStatus.WAITING,
                work_started_on=None,
                closed_on=None,
                closure_reason=None,
                monitoring_until=None,
            )
        case MonitoringEnded():
            return replace(state, status=CaseStatus.CLOSED, monitoring_assistant_id=None)
        case CaseTransferred():
            return replace(
                state,
                status=CaseStatus.TRANSFER_PENDING,
                district=event.to_district,
                districts=(*state.districts, event.to_district),
                assistant_id=None,
                work_started_on=None,
                next_assessment_due=None,
            )
        case TransferAccepted():
            return replace(state, status=CaseStatus.WAITING)
        case TransferDeclined():
            return replace(
                state,
                status=CaseStatus.CLOSED,
                closed_on=event.decided_on,
                closure_reason=ClosureReason.MOVED_AWAY,
            )
    return state


CASE = AggregateType[Case](name="case", initial=Case, evolve=evolve)
