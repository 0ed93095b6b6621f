"""A family's case, from the grant to the end of monitoring: given events, when a command,
then events or a refusal."""

import uuid
from datetime import date

import pytest

from services.casework.domain.case import CASE
from services.casework.domain.case import decide as rules
from services.casework.domain.case.commands import (
    AssessFamily,
    AssignAssistant,
    CloseCase,
    DecideOnTransfer,
    EndMonitoring,
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
from shared.domain.dates import add_months
from shared.events import (
    AssistantAssigned,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseStatus,
    CaseTransferred,
    ClosureReason,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    FamilyConsentRecorded,
    FamilyMember,
    FamilySituationAssessed,
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
from tests.unit.given import given

FAMILY = uuid.uuid4()
CASE_ID = uuid.uuid4()
A1, A2 = uuid.uuid4(), uuid.uuid4()
OCHOTA, WOLA = "1465068", "1465188"
MEMBERS = (FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"),)


def opened(source: ReferralSource = ReferralSource.SCHOOL, on: date = date(2026, 1, 10)):
    return CaseOpened(
        referral_id=uuid.uuid4(),
        family_id=FAMILY,
        district=OCHOTA,
        source=source,
        obligatory=source.is_obligatory,
        opened_on=on,
        members=MEMBERS,
    )


def assigned(assistant=A1, on=date(2026, 1, 12), previous=None):
    return AssistantAssigned(
        family_id=FAMILY, assistant_id=assistant, previous_assistant_id=previous, assigned_on=on
    )


CONSENT = FamilyConsentRecorded(given_on=date(2026, 1, 15), signed_by=("Anna Nowak",))
STARTED = WorkStarted(started_on=date(2026, 1, 15), next_assessment_due=date(2026, 7, 15))


def working() -> list:
    return [opened(), assigned(), CONSENT, STARTED]


def visit(on: date) -> LogVisit:
    return LogVisit(
        case_id=CASE_ID,
        visit_id=uuid.uuid4(),
        visited_on=on,
        duration_minutes=60,
        place=VisitPlace.HOME,
        present=("Anna",),
        topics=(VisitTopic.BUDGET,),
        note="",
    )


# Opening and assignment -------------------------------------------------------------------


def test_a_granted_referral_opens_a_case_on_the_waiting_list() -> None:
    event = opened()
    command = OpenCase(
        case_id=CASE_ID,
        referral_id=event.referral_id,
        family_id=FAMILY,
        district=OCHOTA,
        source=ReferralSource.SCHOOL,
        obligatory=False,
        opened_on=event.opened_on,
        members=MEMBERS,
    )
    assert rules.open_case(given(CASE), command, today=event.opened_on) == [event]
    assert given(CASE, event).status is CaseStatus.WAITING
    with pytest.raises(CaseAlreadyOpened):
        rules.open_case(given(CASE, event), command, today=event.opened_on)


def test_assignment_without_consent_makes_the_case_active_but_work_waits() -> None:
    events = rules.assign(
        given(CASE, opened()),
        AssignAssistant(case_id=CASE_ID, assistant_id=A1),
        today=date(2026, 1, 12),
    )
    assert events == [assigned()]
    state = given(CASE, opened(), *events)
    assert state.status is CaseStatus.ACTIVE
    assert state.work_started_on is None


def test_on_an_obligatory_route_work_starts_with_the_assignment() -> None:
    court = opened(ReferralSource.COURT_ORDER)
    events = rules.assign(
        given(CASE, court),
        AssignAssistant(case_id=CASE_ID, assistant_id=A1),
        today=date(2026, 1, 12),
    )
    assert events[1] == WorkStarted(
        started_on=date(2026, 1, 12), next_assessment_due=date(2026, 7, 12)
    )


def test_reassignment_keeps_the_previous_assistant_in_the_history() -> None:
    (event, *_) = rules.assign(
        given(CASE, *working()),
        AssignAssistant(case_id=CASE_ID, assistant_id=A2),
        today=date(2026, 2, 1),
    )
    assert event == assigned(A2, date(2026, 2, 1), previous=A1)


def test_assigning_the_same_assistant_again_is_refused() -> None:
    with pytest.raises(AlreadyAssigned):
        rules.assign(
            given(CASE, *working()),
            AssignAssistant(case_id=CASE_ID, assistant_id=A1),
            today=date(2026, 2, 1),
        )


# Consent ----------------------------------------------------------------------------------


def test_consent_after_assignment_starts_work_and_sets_the_first_assessment() -> None:
    events = rules.record_consent(
        given(CASE, opened(), assigned()),
        RecordConsent(case_id=CASE_ID, given_on=date(2026, 1, 15), signed_by=("Anna Nowak",)),
        today=date(2026, 1, 16),
    )
    assert events == [
        CONSENT,
        WorkStarted(started_on=date(2026, 1, 16), next_assessment_due=date(2026, 7, 16)),
    ]


def test_consent_before_assignment_starts_nothing_yet() -> None:
    events = rules.record_consent(
        given(CASE, opened()),
        RecordConsent(case_id=CASE_ID, given_on=date(2026, 1, 11), signed_by=("Anna Nowak",)),
        today=date(2026, 1, 11),
    )
    assert [type(e) for e in events] == [FamilyConsentRecorded]


def test_consent_is_recorded_once_and_not_before_the_case_or_in_the_future() -> None:
    with pytest.raises(ConsentAlreadyRecorded):
        rules.record_consent(
            given(CASE, *working()),
            RecordConsent(case_id=CASE_ID, given_on=date(2026, 1, 20), signed_by=("A",)),
            today=date(2026, 1, 20),
        )
    for day in (date(2026, 1, 9), date(2026, 1, 21)):
        with pytest.raises(DateOutOfRange):
            rules.record_consent(
                given(CASE, opened()),
                RecordConsent(case_id=CASE_ID, given_on=day, signed_by=("A",)),
                today=date(2026, 1, 20),
            )


# Visits and plan --------------------------------------------------------------------------


def test_no_visit_before_work_started() -> None:
    with pytest.raises(WrongCaseStatus):
        rules.log_visit(given(CASE, opened()), visit(date(2026, 1, 20)), today=date(2026, 1, 20))
    with pytest.raises(WorkNotStarted):
        rules.log_visit(
            given(CASE, opened(), assigned()), visit(date(2026, 1, 20)), today=date(2026, 1, 20)
        )


def test_a_visit_is_logged_for_the_assigned_assistant() -> None:
    (event,) = rules.log_visit(
        given(CASE, *working()), visit(date(2026, 1, 20)), today=date(2026, 1, 21)
    )
    assert isinstance(event, VisitLogged)
    assert event.assistant_id == A1


@pytest.mark.parametrize("visited_on", [date(2026, 1, 9), date(2026, 1, 22)])
def test_a_visit_before_the_case_began_or_in_the_future_is_refused(visited_on: date) -> None:
    with pytest.raises(DateOutOfRange):
        rules.log_visit(given(CASE, *working()), visit(visited_on), today=date(2026, 1, 21))


def test_each_plan_revision_gets_the_next_version_and_may_link_foster_care() -> None:
    action = PlanAction(
        description="Trening budżetowy",
        deadline=date(2026, 3, 1),
        expected_effect="Opłacone rachunki",
    )
    command = UpdatePlan(
        case_id=CASE_ID,
        actions=(action,),
        agreed_with_social_worker="Anna Kaczmarek",
        foster_care_coordinator="Jan Koordynator",
        foster_care_plan_reference="PPZ/12/2026",
    )
    (v1,) = rules.update_plan(given(CASE, *working()), command, today=date(2026, 1, 20))
    assert isinstance(v1, PlanUpdated)
    assert (v1.plan_version, v1.foster_care_plan_reference) == (1, "PPZ/12/2026")
    (v2,) = rules.update_plan(given(CASE, *working(), v1), command, today=date(2026, 1, 20))
    assert v2.plan_version == 2


# Assessments ------------------------------------------------------------------------------


def test_an_assessment_sets_the_next_due_date_six_months_on() -> None:
    (event,) = rules.assess(
        given(CASE, *working()),
        AssessFamily(case_id=CASE_ID, assessed_on=date(2026, 6, 30), summary="Postępy"),
        today=date(2026, 7, 1),
    )
    assert event == FamilySituationAssessed(
        assessed_on=date(2026, 6, 30),
        summary="Postępy",
        submitted_to_head_on=date(2026, 7, 1),
        next_assessment_due=date(2026, 12, 30),
    )


def test_an_assessment_is_overdue_six_months_after_the_start_of_work() -> None:
    state = given(CASE, *working())
    assert not state.assessment_overdue(date(2026, 7, 15))
    assert state.assessment_overdue(date(2026, 7, 16))
    assessed = FamilySituationAssessed(
        assessed_on=date(2026, 7, 10),
        summary="x",
        submitted_to_head_on=date(2026, 7, 10),
        next_assessment_due=date(2027, 1, 10),
    )
    assert not given(CASE, *working(), assessed).assessment_overdue(date(2026, 12, 1))


def test_the_due_date_keeps_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_an_assessment_cannot_predate_the_start_of_work() -> None:
    with pytest.raises(DateOutOfRange):
        rules.assess(
            given(CASE, *working()),
            AssessFamily(case_id=CASE_ID, assessed_on=date(2026, 1, 14), summary="x"),
            today=date(2026, 2, 1),
        )


# Court opinions ---------------------------------------------------------------------------


TODAY = date(2026, 2, 1)


def request(deadline: date = date(2026, 3, 1)) -> RequestCourtOpinion:
    return RequestCourtOpinion(
        case_id=CASE_ID,
        request_id=uuid.uuid4(),
        court_name="SR Warszawa-Ochota",
        case_signature="III Nsm 1/26",
        requested_on=date(2026, 2, 1),
        deadline=deadline,
    )


def test_a_court_request_is_recorded_once_with_its_deadline() -> None:
    command = request()
    (event,) = rules.request_court_opinion(given(CASE, *working()), command, today=TODAY)
    assert isinstance(event, CourtOpinionRequested)
    assert rules.request_court_opinion(given(CASE, *working(), event), command, today=TODAY) == []
    with pytest.raises(DeadlineBeforeRequest):
        rules.request_court_opinion(
            given(CASE, *working()), request(date(2026, 1, 31)), today=TODAY
        )


def test_an_opinion_is_submitted_once_for_a_known_request() -> None:
    command = request()
    (requested,) = rules.request_court_opinion(given(CASE, *working()), command, today=TODAY)
    submit = SubmitCourtOpinion(
        case_id=CASE_ID,
        request_id=command.request_id,
        submitted_on=date(2026, 2, 20),
        summary="Opinia",
    )
    (submitted,) = rules.submit_court_opinion(
        given(CASE, *working(), requested), submit, today=date(2026, 2, 20)
    )
    assert isinstance(submitted, CourtOpinionSubmitted)
    with pytest.raises(OpinionAlreadySubmitted):
        rules.submit_court_opinion(
            given(CASE, *working(), requested, submitted), submit, today=date(2026, 2, 21)
        )
    with pytest.raises(UnknownCourtRequest):
        rules.submit_court_opinion(
            given(CASE, *working()),
            SubmitCourtOpinion(
                case_id=CASE_ID,
                request_id=uuid.uuid4(),
                submitted_on=date(2026, 2, 20),
                summary="x",
            ),
            today=date(2026, 2, 21),
        )


# Closure, monitoring, reopening -----------------------------------------------------------


def test_closure_starts_monitoring_for_the_period_the_centre_sets() -> None:
    (event,) = rules.close(
        given(CASE, *working()),
        CloseCase(
            case_id=CASE_ID, reason=ClosureReason.GOALS_ACHIEVED, closed_on=date(2026, 9, 30)
        ),
        today=date(2026, 10, 1),
    )
    assert isinstance(event, CaseClosed)
    assert event.monitoring_until == date(2027, 3, 30)
    state = given(CASE, *working(), event)
    assert state.status is CaseStatus.MONITORING
    assert state.monitoring_assistant_id == A1
    assert state.assistant_id is None


def test_closure_without_monitoring_closes_for_good() -> None:
    (event,) = rules.close(
        given(CASE, *working()),
        CloseCase(
            case_id=CASE_ID,
            reason=ClosureReason.MOVED_AWAY,
            closed_on=date(2026, 9, 30),
            monitoring_months=0,
        ),
        today=date(2026, 10, 1),
    )
    assert given(CASE, *working(), event).status is CaseStatus.CLOSED


def closed() -> CaseClosed:
    return CaseClosed(
        reason=ClosureReason.GOALS_ACHIEVED,
        closed_on=date(2026, 9, 30),
        monitoring_until=date(2027, 3, 30),
        status=CaseStatus.MONITORING,
    )


def test_a_case_in_monitoring_can_be_reopened_until_the_period_ends() -> None:
    state = given(CASE, *working(), closed())
    reopen = ReopenCase(case_id=CASE_ID, reason="Nawrót")
    (event,) = rules.reopen(state, reopen, today=date(2027, 3, 30))
    assert isinstance(event, CaseReopened)
    reopened = given(CASE, *working(), closed(), event)
    assert reopened.status is CaseStatus.WAITING
    assert reopened.work_started_on is None  # the next assignment starts work anew
    with pytest.raises(MonitoringPeriodOver):
        rules.reopen(state, reopen, today=date(2027, 3, 31))


def test_monitoring_ends_on_its_own_once_the_period_passed() -> None:
    state = given(CASE, *working(), closed())
    end = EndMonitoring(case_id=CASE_ID)
    assert rules.end_monitoring(state, end, today=date(2027, 3, 30)) == []
    assert rules.end_monitoring(state, end, today=date(2027, 3, 31)) == [
        MonitoringEnded(ended_on=date(2027, 3, 31))
    ]
    ended = given(CASE, *working(), closed(), MonitoringEnded(ended_on=date(2027, 3, 31)))
    assert ended.status is CaseStatus.CLOSED
    with pytest.raises(WrongCaseStatus):
        rules.reopen(ended, ReopenCase(case_id=CASE_ID, reason="x"), today=date(2027, 4, 1))


def test_a_closed_case_takes_no_more_work() -> None:
    with pytest.raises(WrongCaseStatus):
        rules.log_visit(
            given(CASE, *working(), closed()), visit(date(2026, 10, 2)), today=date(2026, 10, 2)
        )


# Transfer ---------------------------------------------------------------------------------


def test_a_transfer_moves_the_case_and_waits_for_the_new_centres_decision() -> None:
    (event,) = rules.transfer(
        given(CASE, *working()),
        TransferCase(case_id=CASE_ID, to_district=WOLA),
        today=date(2026, 5, 1),
    )
    assert event == CaseTransferred(
        from_district=OCHOTA, to_district=WOLA, transferred_on=date(2026, 5, 1)
    )
    state = given(CASE, *working(), event)
    assert (state.status, state.district, state.assistant_id) == (
        CaseStatus.TRANSFER_PENDING,
        WOLA,
        None,
    )
    assert state.districts == (OCHOTA, WOLA)
    with pytest.raises(WrongCaseStatus):
        rules.assign(
            state, AssignAssistant(case_id=CASE_ID, assistant_id=A2), today=date(2026, 5, 2)
        )
    (accepted,) = rules.decide_on_transfer(
        state, DecideOnTransfer(case_id=CASE_ID, accepted=True), today=date(2026, 5, 3)
    )
    assert isinstance(accepted, TransferAccepted)
    waiting = given(CASE, *working(), event, accepted)
    assert waiting.status is CaseStatus.WAITING
    started = rules.assign(
        waiting, AssignAssistant(case_id=CASE_ID, assistant_id=A2), today=date(2026, 5, 4)
    )
    assert isinstance(started[1], WorkStarted)  # consent travels with the case


def test_a_declined_transfer_closes_the_case() -> None:
    moved = CaseTransferred(from_district=OCHOTA, to_district=WOLA, transferred_on=date(2026, 5, 1))
    with pytest.raises(DeclineWithoutReason):
        rules.decide_on_transfer(
            given(CASE, *working(), moved),
            DecideOnTransfer(case_id=CASE_ID, accepted=False),
            today=date(2026, 5, 2),
        )
    (declined,) = rules.decide_on_transfer(
        given(CASE, *working(), moved),
        DecideOnTransfer(case_id=CASE_ID, accepted=False, reason="Brak podstaw"),
        today=date(2026, 5, 2),
    )
    assert isinstance(declined, TransferDeclined)
    assert given(CASE, *working(), moved, declined).status is CaseStatus.CLOSED


def test_no_transfer_to_the_same_district() -> None:
    with pytest.raises(TransferToSameDistrict):
        rules.transfer(
            given(CASE, *working()),
            TransferCase(case_id=CASE_ID, to_district=OCHOTA),
            today=date(2026, 5, 1),
        )


def test_a_command_on_a_case_never_opened_is_refused_not_asserted() -> None:
    with pytest.raises(CaseNotOpened):
        rules.assign(given(CASE), AssignAssistant(case_id=CASE_ID, assistant_id=A1), today=TODAY)
