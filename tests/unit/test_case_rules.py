"""A family's case: opening, assignment, visits and plan revisions."""

import uuid
from datetime import date

import pytest

from services.casework.domain.case import (
    CASE,
    AlreadyAssigned,
    AssignAssistant,
    CaseAlreadyOpened,
    CaseStatus,
    LogVisit,
    NoAssistantAssigned,
    OpenCase,
    UpdatePlan,
    VisitDateOutOfRange,
    assign,
    log_visit,
    open_case,
    update_plan,
)
from shared.events import (
    AssistantAssigned,
    CaseOpened,
    FamilyMember,
    PlanAction,
    PlanUpdated,
    ReferralSource,
    VisitLogged,
    VisitPlace,
    VisitTopic,
)
from tests.unit.given import given

FAMILY = uuid.uuid4()
OPENED = CaseOpened(
    referral_id=uuid.uuid4(),
    family_id=FAMILY,
    district="1465068",
    source=ReferralSource.SCHOOL,
    obligatory=False,
    opened_on=date(2026, 10, 1),
    members=(
        FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"),
    ),
)
A1, A2 = uuid.uuid4(), uuid.uuid4()


def visit(on: date) -> LogVisit:
    return LogVisit(
        visit_id=uuid.uuid4(),
        visited_on=on,
        duration_minutes=60,
        place=VisitPlace.HOME,
        present=("Anna",),
        topics=(VisitTopic.BUDGET,),
        note="",
    )


def test_a_granted_referral_opens_a_waiting_case() -> None:
    command = OpenCase(
        referral_id=OPENED.referral_id,
        family_id=FAMILY,
        district="1465068",
        source=ReferralSource.SCHOOL,
        obligatory=False,
        opened_on=date(2026, 10, 1),
        members=OPENED.members,
    )
    assert open_case(given(CASE), command) == [OPENED]
    assert given(CASE, OPENED).status is CaseStatus.WAITING
    with pytest.raises(CaseAlreadyOpened):
        open_case(given(CASE, OPENED), command)


def test_assignment_makes_the_case_active() -> None:
    events = assign(
        given(CASE, OPENED), AssignAssistant(assistant_id=A1, assigned_on=date(2026, 10, 2))
    )
    assert events == [
        AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 10, 2))
    ]
    assert given(CASE, OPENED, *events).status is CaseStatus.ACTIVE


def test_reassignment_records_the_previous_assistant() -> None:
    first = AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 10, 2))
    (second,) = assign(
        given(CASE, OPENED, first), AssignAssistant(assistant_id=A2, assigned_on=date(2026, 11, 2))
    )
    assert second.previous_assistant_id == A1
    assert second.assistant_id == A2


def test_assigning_the_same_assistant_again_is_refused() -> None:
    first = AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 10, 2))
    with pytest.raises(AlreadyAssigned):
        assign(
            given(CASE, OPENED, first),
            AssignAssistant(assistant_id=A1, assigned_on=date(2026, 10, 3)),
        )


def test_a_visit_needs_an_assistant() -> None:
    with pytest.raises(NoAssistantAssigned):
        log_visit(given(CASE, OPENED), visit(date(2026, 10, 5)), today=date(2026, 10, 5))


def test_a_visit_is_logged_by_the_assigned_assistant() -> None:
    assigned = AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 10, 2))
    (logged,) = log_visit(
        given(CASE, OPENED, assigned), visit(date(2026, 10, 5)), today=date(2026, 10, 6)
    )
    assert isinstance(logged, VisitLogged)
    assert logged.assistant_id == A1


@pytest.mark.parametrize("visited_on", [date(2026, 9, 30), date(2026, 10, 7)])
def test_a_visit_before_the_case_began_or_in_the_future_is_refused(visited_on: date) -> None:
    assigned = AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 10, 2))
    with pytest.raises(VisitDateOutOfRange):
        log_visit(given(CASE, OPENED, assigned), visit(visited_on), today=date(2026, 10, 6))


def test_each_plan_revision_gets_the_next_version() -> None:
    assigned = AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 10, 2))
    action = PlanAction(
        description="Trening budżetowy",
        deadline=date(2026, 12, 1),
        expected_effect="Opłacone rachunki",
    )
    command = UpdatePlan(
        actions=(action,), agreed_with_social_worker="Anna Kaczmarek", updated_on=date(2026, 10, 3)
    )
    (v1,) = update_plan(given(CASE, OPENED, assigned), command)
    assert isinstance(v1, PlanUpdated)
    assert v1.plan_version == 1
    (v2,) = update_plan(given(CASE, OPENED, assigned, v1), command)
    assert isinstance(v2, PlanUpdated)
    assert v2.plan_version == 2
