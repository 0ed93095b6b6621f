"""Every casework command handler, given/when/then on the in-memory fakes (no database)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.casework.application import handlers
from services.casework.application.handlers import CaseChanged, CaseloadChanged
from services.casework.domain.case import CASE
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
    CaseAlreadyOpened,
    DateOutOfRange,
    WorkNotStarted,
    WrongCaseStatus,
)
from services.casework.domain.caseload import CASELOAD
from services.casework.domain.caseload.commands import (
    OpenCaseload,
    ResumeCaseload,
    SuspendCaseload,
)
from services.casework.domain.caseload.errors import CaseloadLimitReached
from shared.domain.errors import NotFound
from shared.events import (
    AssistantAssigned,
    CaseAddedToCaseload,
    CaseClosed,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseOpened,
    CaseRemovedFromCaseload,
    CaseReopened,
    CaseStatus,
    CaseTransferred,
    ClosureReason,
    CourtOpinionRequested,
    CourtOpinionSubmitted,
    FamilyConsentRecorded,
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
from shared.eventstore import EventMetadata
from shared.eventstore.runner import CommandRunner, Idempotency, RememberedAnswerOutdated
from shared.testing import FakeUnitOfWork
from tests.unit.casework.given import (
    CLOCK,
    MEMBERS,
    OCHOTA,
    TODAY,
    WOLA,
    World,
    assigned,
    opened,
)


@pytest.fixture
def world() -> World:
    return World()


# Opening and assignment -------------------------------------------------------------------


async def test_open_case_opens_a_waiting_case_once(world: World) -> None:
    case_id = uuid.uuid4()
    cmd = OpenCase(
        case_id=case_id,
        referral_id=uuid.uuid4(),
        family_id=uuid.uuid4(),
        district=OCHOTA,
        source=ReferralSource.SCHOOL,
        obligatory=False,
        opened_on=date(2026, 3, 1),
        members=MEMBERS,
    )
    result, stored = await world.when(handlers.open_case, cmd)
    assert result == CaseChanged(case_id, CaseStatus.WAITING, 1, ("CaseOpened",))
    assert [type(e) for e in stored] == [CaseOpened]
    assert stored[0].status is CaseStatus.WAITING
    with pytest.raises(CaseAlreadyOpened):
        await world.when(handlers.open_case, cmd)


async def test_assignment_changes_the_case_and_the_caseload_together(world: World) -> None:
    case_id = world.case(opened())
    assistant_id = world.caseload()
    result, stored = await world.when(
        handlers.assign_assistant, AssignAssistant(case_id=case_id, assistant_id=assistant_id)
    )
    # The case's version, and every event stored (the caseload's too).
    assert result == CaseChanged(
        case_id,
        CaseStatus.ACTIVE,
        len(world.events(CASE, case_id)),
        ("AssistantAssigned", "CaseAddedToCaseload"),
    )
    assert world.events(CASE, case_id)[-1] == AssistantAssigned(
        family_id=opened().family_id, assistant_id=assistant_id, assigned_on=TODAY
    )
    assert world.events(CASELOAD, assistant_id)[-1] == CaseAddedToCaseload(case_id=case_id)
    assert len(stored) == 2  # one unit of work, both streams


async def test_reassignment_frees_the_previous_assistants_place(world: World) -> None:
    case_id, first = world.working_case()
    second = world.caseload()
    _, stored = await world.when(
        handlers.assign_assistant, AssignAssistant(case_id=case_id, assistant_id=second)
    )
    assert CaseAddedToCaseload(case_id=case_id) in world.events(CASELOAD, second)
    assert world.events(CASELOAD, first)[-1] == CaseRemovedFromCaseload(case_id=case_id)
    assert isinstance(world.events(CASE, case_id)[-1], AssistantAssigned)
    assert len(stored) == 3


async def test_the_sixteenth_family_is_refused_and_nothing_is_stored(world: World) -> None:
    full = world.caseload(*(uuid.uuid4() for _ in range(15)))
    case_id = world.case(opened())
    before = len(world.log.streams)
    with pytest.raises(CaseloadLimitReached):
        await world.when(
            handlers.assign_assistant, AssignAssistant(case_id=case_id, assistant_id=full)
        )
    assert len(world.events(CASE, case_id)) == 1
    assert len(world.log.streams) == before


async def test_assignment_to_an_unknown_assistant_is_not_found(world: World) -> None:
    case_id = world.case(opened())
    with pytest.raises(NotFound):
        await world.when(
            handlers.assign_assistant, AssignAssistant(case_id=case_id, assistant_id=uuid.uuid4())
        )


async def test_a_command_on_an_unknown_case_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.when(
            handlers.record_consent,
            RecordConsent(case_id=uuid.uuid4(), given_on=TODAY, signed_by=("Anna",)),
        )


# Consent, visits, plan, assessment --------------------------------------------------------


async def test_consent_after_assignment_starts_work(world: World) -> None:
    assistant_id = world.caseload()
    case_id = world.case(opened(), assigned(assistant_id))
    _, stored = await world.when(
        handlers.record_consent,
        RecordConsent(case_id=case_id, given_on=date(2026, 3, 1), signed_by=("Anna Nowak",)),
    )
    assert [type(e) for e in stored] == [FamilyConsentRecorded, WorkStarted]
    assert stored[1] == WorkStarted(started_on=TODAY, next_assessment_due=date(2026, 9, 2))


async def test_a_retried_visit_answers_what_the_first_answered_once_stored(world: World) -> None:
    """The answer goes through the result's TypeAdapter into the idempotency record and back;
    an answer remembered in an earlier release's shape is refused as a conflict, never a 500
    and never a second visit."""
    case_id, _ = world.working_case()
    runner = CommandRunner(FakeUnitOfWork(world.log), CLOCK)
    metadata = EventMetadata(actor="assistant", correlation_id="c")
    visit = LogVisit(
        case_id=case_id,
        visit_id=uuid.uuid4(),
        visited_on=date(2026, 3, 1),
        duration_minutes=60,
        place=VisitPlace.HOME,
        present=(),
        topics=(VisitTopic.BUDGET,),
    )
    key = Idempotency.of("visit-1", "POST", "/visits", b"{}")
    first = await runner.run(handlers.log_visit, visit, metadata, idempotency=key)
    again = await runner.run(handlers.log_visit, visit, metadata, idempotency=key)
    assert again == first
    assert (first.visit_id, first.events) == (visit.visit_id, ("VisitLogged",))
    visits = len(world.events(CASE, case_id))
    assert first.version == visits

    earlier = Idempotency.of("visit-0", "POST", "/visits", b"{}")
    world.log.answers[("assistant", "visit-0")] = (
        earlier.fingerprint,
        {"case_id": str(case_id), "status": "active"},
    )
    with pytest.raises(RememberedAnswerOutdated):
        await runner.run(handlers.log_visit, visit, metadata, idempotency=earlier)
    assert len(world.events(CASE, case_id)) == visits


async def test_a_visit_is_logged_for_the_assigned_assistant(world: World) -> None:
    case_id, assistant_id = world.working_case()
    visit = LogVisit(
        case_id=case_id,
        visit_id=uuid.uuid4(),
        visited_on=date(2026, 3, 1),
        duration_minutes=90,
        place=VisitPlace.HOME,
        present=("Anna",),
        topics=(VisitTopic.BUDGET,),
        note="Rozmowa o budżecie",
    )
    before = len(world.events(CASE, case_id))
    result, stored = await world.when(handlers.log_visit, visit)
    assert result == CaseChanged(
        case_id, CaseStatus.ACTIVE, before + 1, ("VisitLogged",), visit_id=visit.visit_id
    )
    (event,) = stored
    assert isinstance(event, VisitLogged)
    assert (event.visit_id, event.assistant_id, event.note) == (
        visit.visit_id,
        assistant_id,
        "Rozmowa o budżecie",
    )


async def test_a_visit_in_the_future_is_refused(world: World) -> None:
    case_id, _ = world.working_case()
    with pytest.raises(DateOutOfRange):
        await world.when(
            handlers.log_visit,
            LogVisit(
                case_id=case_id,
                visit_id=uuid.uuid4(),
                visited_on=date(2026, 3, 3),
                duration_minutes=30,
                place=VisitPlace.HOME,
                present=(),
                topics=(VisitTopic.SCHOOL,),
            ),
        )
    assert not any(isinstance(e, VisitLogged) for e in world.events(CASE, case_id))


async def test_no_visit_before_consent(world: World) -> None:
    assistant_id = world.caseload()
    case_id = world.case(opened(), assigned(assistant_id))
    with pytest.raises(WorkNotStarted):
        await world.when(
            handlers.log_visit,
            LogVisit(
                case_id=case_id,
                visit_id=uuid.uuid4(),
                visited_on=TODAY,
                duration_minutes=30,
                place=VisitPlace.HOME,
                present=(),
                topics=(VisitTopic.SCHOOL,),
            ),
        )


async def test_a_plan_revision_is_dated_today_and_numbered(world: World) -> None:
    case_id, _ = world.working_case()
    action = PlanAction(
        description="Trening budżetowy", deadline=date(2026, 6, 1), expected_effect="Rachunki"
    )
    cmd = UpdatePlan(case_id=case_id, actions=(action,), agreed_with_social_worker="Anna K.")
    _, (first,) = await world.when(handlers.update_plan, cmd)
    _, (second,) = await world.when(handlers.update_plan, cmd)
    assert isinstance(first, PlanUpdated) and isinstance(second, PlanUpdated)
    assert (first.plan_version, second.plan_version, first.updated_on) == (1, 2, TODAY)


async def test_an_assessment_goes_to_the_head_today(world: World) -> None:
    case_id, _ = world.working_case()
    _, (event,) = await world.when(
        handlers.assess_family,
        AssessFamily(case_id=case_id, assessed_on=date(2026, 3, 1), summary="Postępy"),
    )
    assert event == FamilySituationAssessed(
        assessed_on=date(2026, 3, 1),
        summary="Postępy",
        submitted_to_head_on=TODAY,
        next_assessment_due=date(2026, 9, 1),
    )


# Court opinions ---------------------------------------------------------------------------


async def test_a_court_request_then_its_opinion(world: World) -> None:
    case_id, _ = world.working_case()
    request_id = uuid.uuid4()
    request = RequestCourtOpinion(
        case_id=case_id,
        request_id=request_id,
        court_name="SR Warszawa-Ochota",
        case_signature="III Nsm 1/26",
        requested_on=date(2026, 3, 1),
        deadline=date(2026, 3, 31),
    )
    answer, (requested,) = await world.when(handlers.request_court_opinion, request)
    assert isinstance(requested, CourtOpinionRequested)
    version = len(world.events(CASE, case_id))
    assert (answer.request_id, answer.version, answer.events) == (
        request_id,
        version,
        ("CourtOpinionRequested",),
    )
    repeated, again = await world.when(handlers.request_court_opinion, request)
    assert again == []  # the same request twice is recorded once
    assert (repeated.version, repeated.events) == (version, ())
    _, (submitted,) = await world.when(
        handlers.submit_court_opinion,
        SubmitCourtOpinion(
            case_id=case_id, request_id=request_id, submitted_on=TODAY, summary="Opinia"
        ),
    )
    assert submitted == CourtOpinionSubmitted(
        request_id=request_id, submitted_on=TODAY, summary="Opinia"
    )


# Closure, reopening, monitoring -----------------------------------------------------------


async def test_closure_starts_monitoring_and_frees_the_assistants_place(world: World) -> None:
    case_id, assistant_id = world.working_case()
    result, stored = await world.when(
        handlers.close_case,
        CloseCase(case_id=case_id, reason=ClosureReason.GOALS_ACHIEVED, monitoring_months=6),
    )
    assert result == CaseChanged(
        case_id,
        CaseStatus.MONITORING,
        len(world.events(CASE, case_id)),
        ("CaseClosed", "CaseRemovedFromCaseload"),
    )
    closed = world.events(CASE, case_id)[-1]
    assert isinstance(closed, CaseClosed)
    assert (closed.closed_on, closed.monitoring_until) == (TODAY, date(2026, 9, 2))
    assert world.events(CASELOAD, assistant_id)[-1] == CaseRemovedFromCaseload(case_id=case_id)
    assert len(stored) == 2


def _in_monitoring(world: World) -> tuple[uuid.UUID, uuid.UUID]:
    case_id, assistant_id = world.working_case()
    world.log.given(
        CASE,
        case_id,
        CaseClosed(
            reason=ClosureReason.GOALS_ACHIEVED,
            closed_on=date(2026, 2, 1),
            monitoring_until=date(2026, 8, 1),
        ),
    )
    world.log.given(CASELOAD, assistant_id, CaseRemovedFromCaseload(case_id=case_id))
    return case_id, assistant_id


async def test_a_reopened_case_goes_back_to_the_assistant_who_monitored_it(world: World) -> None:
    case_id, assistant_id = _in_monitoring(world)
    before = len(world.events(CASE, case_id))
    result, _ = await world.when(handlers.reopen_case, ReopenCase(case_id=case_id, reason="Nawrót"))
    assert result == CaseChanged(
        case_id,
        CaseStatus.ACTIVE,
        before + 3,
        ("CaseReopened", "AssistantAssigned", "WorkStarted", "CaseAddedToCaseload"),
    )
    reopened, back, started = world.events(CASE, case_id)[-3:]
    assert isinstance(reopened, CaseReopened) and isinstance(back, AssistantAssigned)
    assert isinstance(started, WorkStarted)  # the family's consent still holds
    assert back.assistant_id == assistant_id
    assert world.events(CASELOAD, assistant_id)[-1] == CaseAddedToCaseload(case_id=case_id)


async def test_a_reopened_case_waits_when_that_assistant_is_full(world: World) -> None:
    case_id, assistant_id = _in_monitoring(world)
    world.log.given(
        CASELOAD, assistant_id, *(CaseAddedToCaseload(case_id=uuid.uuid4()) for _ in range(15))
    )
    result, stored = await world.when(
        handlers.reopen_case, ReopenCase(case_id=case_id, reason="Nawrót")
    )
    assert result == CaseChanged(
        case_id, CaseStatus.WAITING, len(world.events(CASE, case_id)), ("CaseReopened",)
    )
    assert [type(e) for e in stored] == [CaseReopened]


async def test_a_reopened_case_waits_when_that_assistant_stopped_working(world: World) -> None:
    case_id, assistant_id = _in_monitoring(world)
    world.log.given(CASELOAD, assistant_id, CaseloadSuspended(since=date(2026, 2, 10)))
    result, _ = await world.when(handlers.reopen_case, ReopenCase(case_id=case_id, reason="x"))
    assert result.status is CaseStatus.WAITING


async def test_monitoring_ends_once_its_period_passed(world: World) -> None:
    case_id, _ = world.working_case()
    world.log.given(
        CASE,
        case_id,
        CaseClosed(
            reason=ClosureReason.GOALS_ACHIEVED,
            closed_on=date(2025, 8, 1),
            monitoring_until=date(2026, 2, 1),
        ),
    )
    result, stored = await world.when(handlers.end_monitoring, EndMonitoring(case_id=case_id))
    assert result == CaseChanged(
        case_id, CaseStatus.CLOSED, len(world.events(CASE, case_id)), ("MonitoringEnded",)
    )
    assert stored == [MonitoringEnded(ended_on=TODAY)]


async def test_monitoring_not_yet_over_is_left_alone(world: World) -> None:
    case_id, _ = _in_monitoring(world)
    result, stored = await world.when(handlers.end_monitoring, EndMonitoring(case_id=case_id))
    assert (result.status, stored) == (CaseStatus.MONITORING, [])


# Transfer ---------------------------------------------------------------------------------


async def test_a_transfer_frees_the_place_and_waits_for_the_new_centre(world: World) -> None:
    case_id, assistant_id = world.working_case()
    result, _ = await world.when(
        handlers.transfer_case, TransferCase(case_id=case_id, to_district=WOLA)
    )
    assert result == CaseChanged(
        case_id,
        CaseStatus.TRANSFER_PENDING,
        len(world.events(CASE, case_id)),
        ("CaseTransferred", "CaseRemovedFromCaseload"),
    )
    moved = world.events(CASE, case_id)[-1]
    assert moved == CaseTransferred(from_district=OCHOTA, to_district=WOLA, transferred_on=TODAY)
    assert world.events(CASELOAD, assistant_id)[-1] == CaseRemovedFromCaseload(case_id=case_id)


async def test_the_new_centre_accepts_or_declines(world: World) -> None:
    moved = CaseTransferred(from_district=OCHOTA, to_district=WOLA, transferred_on=TODAY)
    accepted_case = world.case(opened(), moved)
    declined_case = world.case(opened(), moved)
    result, stored = await world.when(
        handlers.decide_on_transfer, DecideOnTransfer(case_id=accepted_case, accepted=True)
    )
    assert (result.status, stored) == (CaseStatus.WAITING, [TransferAccepted(decided_on=TODAY)])
    result, stored = await world.when(
        handlers.decide_on_transfer,
        DecideOnTransfer(case_id=declined_case, accepted=False, reason="Brak podstaw"),
    )
    assert result.status is CaseStatus.CLOSED
    assert stored == [TransferDeclined(decided_on=TODAY, reason="Brak podstaw")]
    with pytest.raises(WrongCaseStatus):
        await world.when(
            handlers.decide_on_transfer, DecideOnTransfer(case_id=declined_case, accepted=True)
        )


async def test_a_further_referral_is_linked_to_the_case(world: World) -> None:
    case_id, _ = world.working_case()
    referral_id = uuid.uuid4()
    _, stored = await world.when(
        handlers.link_referral,
        LinkReferral(
            case_id=case_id,
            referral_id=referral_id,
            source=ReferralSource.SCHOOL,
            sender_reference="SP1/2026",
            referred_on=TODAY,
        ),
    )
    assert stored == [
        FurtherReferralReceived(
            referral_id=referral_id,
            source=ReferralSource.SCHOOL,
            sender_reference="SP1/2026",
            referred_on=TODAY,
        )
    ]


# Caseloads --------------------------------------------------------------------------------


async def test_a_caseload_opens_once_and_follows_the_assistant_at_work(world: World) -> None:
    assistant_id = uuid.uuid4()
    result, stored = await world.when(
        handlers.open_caseload, OpenCaseload(assistant_id=assistant_id, district=OCHOTA)
    )
    assert stored == [CaseloadOpened(district=OCHOTA)]
    assert result == CaseloadChanged(assistant_id, active=True, families=0)
    _, again = await world.when(
        handlers.open_caseload, OpenCaseload(assistant_id=assistant_id, district=OCHOTA)
    )
    assert again == []
    result, stored = await world.when(
        handlers.suspend_caseload, SuspendCaseload(assistant_id=assistant_id, since=TODAY)
    )
    assert (result.active, stored) == (False, [CaseloadSuspended(since=TODAY)])
    result, stored = await world.when(
        handlers.resume_caseload, ResumeCaseload(assistant_id=assistant_id, since=TODAY)
    )
    assert (result.active, stored) == (True, [CaseloadResumed(since=TODAY)])
