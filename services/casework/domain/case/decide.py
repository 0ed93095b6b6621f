"""The case's rules (art. 11-17 of the Act of 9 June 2011 on family support; see domain.md).

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

Every decision has the same shape: `decide_x(state, cmd, *, today) -> list[DomainEvent]`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.casework.domain.case.commands import (
    AssessFamily,
    AssignAssistant,
    CloseCase,
    DecideOnTransfer,
    EndMonitoring,
    LinkReferral,
    LogVisit,
    OpenCase,
    RecordConsent,
    ReopenCase,
    RequestCourtOpinion,
    SubmitCourtOpinion,
    TransferCase,
    UpdatePlan,
)
from services.casework.domain.case.errors import (
    AlreadyAssigned,
    CaseAlreadyOpened,
    CaseNotOpened,
    ConsentAlreadyRecorded,
    DateOutOfRange,
    DeadlineBeforeRequest,
    DeclineWithoutReason,
    MonitoringPeriodOver,
    OpinionAlreadySubmitted,
    TransferToSameDistrict,
    UnknownCourtRequest,
    WorkNotStarted,
    WrongCaseStatus,
)
from services.casework.domain.case.evolve import evolve
from services.casework.domain.case.state import ASSESSMENT_INTERVAL_MONTHS, Case
from shared.domain.dates import add_months
from shared.events import (
    AssistantAssigned,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    DomainEvent,
    FamilyConsentRecorded,
    FamilySituationAssessed,
    FurtherReferralReceived,
    MonitoringEnded,
    PlanUpdated,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    WorkStarted,
)
from shared.events.casework import CaseStatus


def _require(state: Case, action: str, *allowed: CaseStatus) -> None:
    if not state.exists:
        raise CaseNotOpened()
    if state.status not in allowed:
        raise WrongCaseStatus(
            state=state.status.value, action=action, allowed=", ".join(a.value for a in allowed)
        )


def _opened_on(state: Case) -> date:
    if state.opened_on is None:
        raise CaseNotOpened()
    return state.opened_on


def _family(state: Case) -> UUID:
    if state.family_id is None:
        raise CaseNotOpened()
    return state.family_id


def _within(field: str, value: date, earliest: date, latest: date) -> None:
    if not earliest <= value <= latest:
        raise DateOutOfRange(
            field=field,
            value=value.isoformat(),
            earliest=earliest.isoformat(),
            latest=latest.isoformat(),
        )


def _working(state: Case) -> tuple[UUID, date]:
    """The assistant and the start of work, when work goes on; else a refusal."""
    _require(state, "work", CaseStatus.ACTIVE)
    if state.work_started_on is None or state.assistant_id is None:
        raise WorkNotStarted()
    return state.assistant_id, state.work_started_on


def _work_starts(state: Case, on: date) -> list[DomainEvent]:
    """WorkStarted once both conditions hold: an assistant and consent (or obligation)."""
    if state.work_started_on is not None or state.assistant_id is None:
        return []
    if not state.obligatory and state.consent_on is None:
        return []
    return [
        WorkStarted(started_on=on, next_assessment_due=add_months(on, ASSESSMENT_INTERVAL_MONTHS))
    ]


def open_case(state: Case, cmd: OpenCase, *, today: date) -> list[DomainEvent]:
    del today  # opened on the day of the grant, whenever casework hears of it
    if state.exists:
        raise CaseAlreadyOpened()
    return [
        CaseOpened(
            referral_id=cmd.referral_id,
            family_id=cmd.family_id,
            district=cmd.district,
            source=cmd.source,
            obligatory=cmd.obligatory,
            opened_on=cmd.opened_on,
            members=cmd.members,
            status=CaseStatus.WAITING,
        )
    ]


def assign(state: Case, cmd: AssignAssistant, *, today: date) -> list[DomainEvent]:
    _require(state, "assign", CaseStatus.WAITING, CaseStatus.ACTIVE)
    if state.assistant_id == cmd.assistant_id:
        raise AlreadyAssigned()
    assigned = AssistantAssigned(
        family_id=_family(state),
        assistant_id=cmd.assistant_id,
        previous_assistant_id=state.assistant_id,
        assigned_on=today,
        status=CaseStatus.ACTIVE,
    )
    return [assigned, *_work_starts(evolve(state, assigned), today)]


def record_consent(state: Case, cmd: RecordConsent, *, today: date) -> list[DomainEvent]:
    _require(state, "consent", CaseStatus.WAITING, CaseStatus.ACTIVE)
    if state.consent_on is not None:
        raise ConsentAlreadyRecorded()
    _within("given_on", cmd.given_on, _opened_on(state), today)
    consent = FamilyConsentRecorded(given_on=cmd.given_on, signed_by=cmd.signed_by)
    return [consent, *_work_starts(evolve(state, consent), today)]


def log_visit(state: Case, cmd: LogVisit, *, today: date) -> list[DomainEvent]:
    assistant_id, _ = _working(state)
    _within("visited_on", cmd.visited_on, _opened_on(state), today)
    return [
        VisitLogged(
            visit_id=cmd.visit_id,
            assistant_id=assistant_id,
            visited_on=cmd.visited_on,
            duration_minutes=cmd.duration_minutes,
            place=cmd.place,
            present=cmd.present,
            topics=cmd.topics,
            note=cmd.note,
        )
    ]


def update_plan(state: Case, cmd: UpdatePlan, *, today: date) -> list[DomainEvent]:
    _working(state)
    return [
        PlanUpdated(
            plan_version=state.plan_version + 1,
            actions=cmd.actions,
            agreed_with_social_worker=cmd.agreed_with_social_worker,
            updated_on=today,
            foster_care_coordinator=cmd.foster_care_coordinator,
            foster_care_plan_reference=cmd.foster_care_plan_reference,
        )
    ]


def assess(state: Case, cmd: AssessFamily, *, today: date) -> list[DomainEvent]:
    _, started_on = _working(state)
    _within("assessed_on", cmd.assessed_on, state.last_assessed_on or started_on, today)
    return [
        FamilySituationAssessed(
            assessed_on=cmd.assessed_on,
            summary=cmd.summary,
            submitted_to_head_on=today,
            next_assessment_due=add_months(cmd.assessed_on, ASSESSMENT_INTERVAL_MONTHS),
        )
    ]


def request_court_opinion(
    state: Case, cmd: RequestCourtOpinion, *, today: date
) -> list[DomainEvent]:
    del today  # a court's request is dated by the court
    _require(state, "court_request", CaseStatus.WAITING, CaseStatus.ACTIVE, CaseStatus.MONITORING)
    if cmd.deadline < cmd.requested_on:
        raise DeadlineBeforeRequest()
    if any(r.request_id == cmd.request_id for r in state.court_requests):
        return []  # the same request again: already recorded
    return [
        CourtOpinionRequested(
            request_id=cmd.request_id,
            court_name=cmd.court_name,
            case_signature=cmd.case_signature,
            requested_on=cmd.requested_on,
            deadline=cmd.deadline,
        )
    ]


def submit_court_opinion(state: Case, cmd: SubmitCourtOpinion, *, today: date) -> list[DomainEvent]:
    request = next((r for r in state.court_requests if r.request_id == cmd.request_id), None)
    if request is None:
        raise UnknownCourtRequest()
    if request.submitted_on is not None:
        raise OpinionAlreadySubmitted()
    _within("submitted_on", cmd.submitted_on, _opened_on(state), today)
    return [
        CourtOpinionSubmitted(
            request_id=cmd.request_id, submitted_on=cmd.submitted_on, summary=cmd.summary
        )
    ]


def close(state: Case, cmd: CloseCase, *, today: date) -> list[DomainEvent]:
    _require(state, "close", CaseStatus.WAITING, CaseStatus.ACTIVE)
    closed_on = cmd.closed_on or today
    _within("closed_on", closed_on, _opened_on(state), today)
    # Monitoring needs someone to monitor: only families an assistant worked with.
    monitored = cmd.monitoring_months > 0 and state.assistant_id is not None
    return [
        CaseClosed(
            reason=cmd.reason,
            closed_on=closed_on,
            note=cmd.note,
            children_placed_in_foster_care=cmd.children_placed_in_foster_care,
            monitoring_until=add_months(closed_on, cmd.monitoring_months) if monitored else None,
            status=CaseStatus.MONITORING if monitored else CaseStatus.CLOSED,
        )
    ]


def reopen(state: Case, cmd: ReopenCase, *, today: date) -> list[DomainEvent]:
    _require(state, "reopen", CaseStatus.MONITORING)
    if state.monitoring_until is None or today > state.monitoring_until:
        raise MonitoringPeriodOver(until=str(state.monitoring_until))
    return [CaseReopened(reopened_on=today, reason=cmd.reason, status=CaseStatus.WAITING)]


def end_monitoring(state: Case, cmd: EndMonitoring, *, today: date) -> list[DomainEvent]:
    del cmd  # nothing to say but the day
    if state.status is not CaseStatus.MONITORING or state.monitoring_until is None:
        return []
    if today <= state.monitoring_until:
        return []
    return [MonitoringEnded(ended_on=today, status=CaseStatus.CLOSED)]


def transfer(state: Case, cmd: TransferCase, *, today: date) -> list[DomainEvent]:
    _require(state, "transfer", CaseStatus.WAITING, CaseStatus.ACTIVE)
    if cmd.to_district == state.district:
        raise TransferToSameDistrict()
    return [
        CaseTransferred(
            from_district=state.district,
            to_district=cmd.to_district,
            transferred_on=today,
            status=CaseStatus.TRANSFER_PENDING,
        )
    ]


def decide_on_transfer(state: Case, cmd: DecideOnTransfer, *, today: date) -> list[DomainEvent]:
    _require(state, "transfer_decision", CaseStatus.TRANSFER_PENDING)
    if cmd.accepted:
        return [TransferAccepted(decided_on=today, status=CaseStatus.WAITING)]
    if not cmd.reason:
        raise DeclineWithoutReason()
    return [TransferDeclined(decided_on=today, reason=cmd.reason, status=CaseStatus.CLOSED)]


def link_referral(state: Case, cmd: LinkReferral, *, today: date) -> list[DomainEvent]:
    del today
    if not state.exists:
        raise CaseNotOpened()
    return [
        FurtherReferralReceived(
            referral_id=cmd.referral_id,
            source=cmd.source,
            sender_reference=cmd.sender_reference,
            referred_on=cmd.referred_on,
        )
    ]
