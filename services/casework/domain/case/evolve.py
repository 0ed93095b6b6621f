"""How each event changes a case's state. An event the case does not know is an error, not
something to skip: a case folded without one of its events would decide on a wrong state."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from services.casework.domain.case.state import Case, CourtRequest
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
    FamilySituationAssessed,
    FurtherReferralReceived,
    MonitoringEnded,
    PlanNoteAdded,
    PlanUpdated,
    TransferAccepted,
    TransferDeclined,
    VisitLogged,
    WorkStarted,
)


class UnknownCaseEvent(TypeError):
    pass


def evolve(state: Case, event: DomainEvent) -> Case:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: Case) -> Case:
    raise UnknownCaseEvent(f"a case has no rule for {event.event_type}")


@_apply.register
def _(event: CaseOpened, state: Case) -> Case:
    return replace(
        state,
        exists=True,
        status=event.status,
        district=event.district,
        family_id=event.family_id,
        referral_id=event.referral_id,
        source=event.source,
        obligatory=event.obligatory,
        opened_on=event.opened_on,
        districts=(event.district,),
    )


@_apply.register
def _(event: AssistantAssigned, state: Case) -> Case:
    return replace(state, assistant_id=event.assistant_id, status=event.status)


@_apply.register
def _(event: FamilyConsentRecorded, state: Case) -> Case:
    # A consent signed on paper and recorded on a device may arrive after another: each is
    # a fact, and the consent the case counts from is the earliest.
    given = event.given_on if state.consent_on is None else min(state.consent_on, event.given_on)
    records = state.records if event.record_id is None else state.records | {event.record_id}
    return replace(state, consent_on=given, records=records)


@_apply.register
def _(event: WorkStarted, state: Case) -> Case:
    return replace(
        state, work_started_on=event.started_on, next_assessment_due=event.next_assessment_due
    )


@_apply.register
def _(event: PlanUpdated, state: Case) -> Case:
    return replace(state, plan_version=event.plan_version)


@_apply.register
def _(event: VisitLogged, state: Case) -> Case:
    last = state.last_visit_on
    return replace(
        state,
        last_visit_on=event.visited_on if last is None else max(last, event.visited_on),
        records=state.records | {event.visit_id},
    )


@_apply.register
def _(event: PlanNoteAdded, state: Case) -> Case:
    return replace(state, records=state.records | {event.note_id})


@_apply.register
def _(event: FamilySituationAssessed, state: Case) -> Case:
    return replace(
        state, last_assessed_on=event.assessed_on, next_assessment_due=event.next_assessment_due
    )


@_apply.register
def _(event: CourtOpinionRequested, state: Case) -> Case:
    request = CourtRequest(request_id=event.request_id, deadline=event.deadline)
    return replace(state, court_requests=(*state.court_requests, request))


@_apply.register
def _(event: CourtOpinionSubmitted, state: Case) -> Case:
    return replace(
        state,
        court_requests=tuple(
            replace(r, submitted_on=event.submitted_on) if r.request_id == event.request_id else r
            for r in state.court_requests
        ),
    )


@_apply.register
def _(event: CaseClosed, state: Case) -> Case:
    return replace(
        state,
        status=event.status,
        closed_on=event.closed_on,
        closure_reason=event.reason,
        monitoring_until=event.monitoring_until,
        monitoring_assistant_id=state.assistant_id,
        assistant_id=None,
        next_assessment_due=None,
    )


@_apply.register
def _(event: CaseReopened, state: Case) -> Case:
    # Work begins again: a (re)assignment starts it, with a fresh assessment clock.
    return replace(
        state,
        status=event.status,
        work_started_on=None,
        closed_on=None,
        closure_reason=None,
        monitoring_until=None,
    )


@_apply.register
def _(event: MonitoringEnded, state: Case) -> Case:
    return replace(state, status=event.status, monitoring_assistant_id=None)


@_apply.register
def _(event: CaseTransferred, state: Case) -> Case:
    return replace(
        state,
        status=event.status,
        district=event.to_district,
        districts=(*state.districts, event.to_district),
        assistant_id=None,
        work_started_on=None,
        next_assessment_due=None,
    )


@_apply.register
def _(event: TransferAccepted, state: Case) -> Case:
    return replace(state, status=event.status)


@_apply.register
def _(event: TransferDeclined, state: Case) -> Case:
    return replace(
        state,
        status=event.status,
        closed_on=event.decided_on,
        closure_reason=ClosureReason.MOVED_AWAY,
    )


@_apply.register
def _(_event: FurtherReferralReceived, state: Case) -> Case:
    return state  # shown in the case file; no rule depends on it


HANDLED: frozenset[type[DomainEvent]] = frozenset(
    t for t in _apply.registry if isinstance(t, type) and t is not DomainEvent and t is not object
)
"""The event types a case knows (its unit test checks every case event is among them)."""
