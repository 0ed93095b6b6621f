"""The directory's aggregates: an assistant's employment and activity; an institution."""

import uuid
from datetime import date

import pytest

from services.directory.domain.assistant import (
    ASSISTANT,
    AssistantAlreadyActive,
    AssistantAlreadyRegistered,
    AssistantInactive,
    ChangeBeforeStartOfWork,
    ChangeEmployment,
    DeactivateAssistant,
    EmploymentTerms,
    EndOfWorkInFuture,
    HoursRequiredForPartTime,
    InvalidResumptionDate,
    ReactivateAssistant,
    RegisterAssistant,
    WorkEndsBeforeStart,
    WorkingTimeSystemOnCivilLawContract,
    change_employment,
    deactivate,
    reactivate,
    register,
)
from services.directory.domain.institution import (
    INSTITUTION,
    CloseInstitution,
    ClosureInFuture,
    InstitutionAlreadyRegistered,
    InstitutionIsClosed,
    RegisterInstitution,
    UpdateInstitution,
    close,
    update,
)
from services.directory.domain.institution import register as register_institution
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmploymentChanged,
    AssistantReactivated,
    AssistantRegistered,
    DeactivationReason,
    EmploymentForm,
    InstitutionCategory,
    InstitutionClosed,
    InstitutionDetails,
    InstitutionRegistered,
    InstitutionUpdated,
    PostalAddress,
    WorkingTime,
    WorkingTimeSystem,
)
from tests.unit.given import given

OCHOTA = "1465068"
TODAY = date(2026, 11, 23)
AID = uuid.uuid4()
IID = uuid.uuid4()

REGISTERED = AssistantRegistered(
    first_name="Agnieszka",
    last_name="Wiśniewska",
    district=OCHOTA,
    employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
    works_since=date(2025, 3, 1),
    working_time=WorkingTime.FULL_TIME,
    working_time_system=WorkingTimeSystem.TASK_BASED,
)
DEACTIVATED = AssistantDeactivated(
    ended_on=date(2026, 6, 30), reason=DeactivationReason.LONG_TERM_LEAVE
)


def registration(**changes: object) -> RegisterAssistant:
    fields: dict[str, object] = {
        "first_name": "Agnieszka",
        "last_name": "Wiśniewska",
        "district": OCHOTA,
        "employment_form": EmploymentForm.EMPLOYMENT_CONTRACT,
        "works_since": date(2025, 3, 1),
        "working_time": WorkingTime.FULL_TIME,
        "working_time_system": WorkingTimeSystem.TASK_BASED,
    }
    fields.update(changes)
    return RegisterAssistant(**fields)  # type: ignore[arg-type]


# --- Assistants -------------------------------------------------------------------------------


def test_an_assistant_is_registered_once_and_works_from_then() -> None:
    assert register(given(ASSISTANT), registration(), today=TODAY) == [REGISTERED]
    state = given(ASSISTANT, REGISTERED)
    assert state.active
    assert state.employment_form is EmploymentForm.EMPLOYMENT_CONTRACT
    with pytest.raises(AssistantAlreadyRegistered):
        register(state, registration(), today=TODAY)


def test_an_assistant_registered_before_the_terms_were_recorded_still_reads() -> None:
    old = AssistantRegistered.model_validate(
        {
            "first_name": "Ewa",
            "last_name": "Nowak",
            "district": OCHOTA,
            "employment_form": "civil_law_contract",
            "works_since": "2024-01-01",
        }
    )
    state = given(ASSISTANT, old)
    assert state.active
    assert state.terms == EmploymentTerms(employment_form=EmploymentForm.CIVIL_LAW_CONTRACT)


def test_a_part_time_post_says_its_hours() -> None:
    with pytest.raises(HoursRequiredForPartTime):
        register(given(ASSISTANT), registration(working_time=WorkingTime.PART_TIME), today=TODAY)
    with pytest.raises(HoursRequiredForPartTime):
        register(
            given(ASSISTANT),
            registration(working_time=WorkingTime.PART_TIME, hours_per_week=40),
            today=TODAY,
        )
    (event,) = register(
        given(ASSISTANT),
        registration(working_time=WorkingTime.PART_TIME, hours_per_week=20),
        today=TODAY,
    )
    assert isinstance(event, AssistantRegistered)
    assert event.hours_per_week == 20


def test_a_civil_law_contract_has_no_working_time_system() -> None:
    with pytest.raises(WorkingTimeSystemOnCivilLawContract):
        register(
            given(ASSISTANT),
            registration(employment_form=EmploymentForm.CIVIL_LAW_CONTRACT),
            today=TODAY,
        )
    assert register(
        given(ASSISTANT),
        registration(employment_form=EmploymentForm.CIVIL_LAW_CONTRACT, working_time_system=None),
        today=TODAY,
    )


def test_a_planned_end_of_work_is_not_before_its_start() -> None:
    with pytest.raises(WorkEndsBeforeStart):
        register(given(ASSISTANT), registration(works_until=date(2025, 2, 28)), today=TODAY)
    (event,) = register(given(ASSISTANT), registration(works_until=date(2025, 3, 1)), today=TODAY)
    assert isinstance(event, AssistantRegistered)
    assert event.works_until == date(2025, 3, 1)


def test_new_terms_of_employment_are_recorded_in_full_and_only_when_they_change() -> None:
    state = given(ASSISTANT, REGISTERED)
    part_time = EmploymentTerms(
        employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
        working_time=WorkingTime.PART_TIME,
        hours_per_week=20,
        working_time_system=WorkingTimeSystem.TASK_BASED,
        works_until=date(2027, 12, 31),
    )
    events = change_employment(
        state, ChangeEmployment(AID, part_time, effective_from=TODAY), today=TODAY
    )
    assert events == [
        AssistantEmploymentChanged(
            employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
            working_time=WorkingTime.PART_TIME,
            hours_per_week=20,
            working_time_system=WorkingTimeSystem.TASK_BASED,
            works_until=date(2027, 12, 31),
            effective_from=TODAY,
        )
    ]
    changed = given(ASSISTANT, REGISTERED, *events)
    assert changed.terms == part_time
    assert (
        change_employment(
            changed, ChangeEmployment(AID, part_time, effective_from=TODAY), today=TODAY
        )
        == []
    )


def test_new_terms_follow_the_same_rules_and_do_not_apply_before_work_started() -> None:
    state = given(ASSISTANT, REGISTERED)
    civil = EmploymentTerms(
        employment_form=EmploymentForm.CIVIL_LAW_CONTRACT,
        working_time_system=WorkingTimeSystem.BASIC,
    )
    with pytest.raises(WorkingTimeSystemOnCivilLawContract):
        change_employment(state, ChangeEmployment(AID, civil, effective_from=TODAY), today=TODAY)
    ends_early = EmploymentTerms(
        employment_form=EmploymentForm.EMPLOYMENT_CONTRACT, works_until=date(2025, 1, 1)
    )
    with pytest.raises(WorkEndsBeforeStart):
        change_employment(
            state, ChangeEmployment(AID, ends_early, effective_from=TODAY), today=TODAY
        )
    with pytest.raises(ChangeBeforeStartOfWork):
        change_employment(
            state,
            ChangeEmployment(
                AID,
                EmploymentTerms(employment_form=EmploymentForm.CIVIL_LAW_CONTRACT),
                effective_from=date(2025, 2, 1),
            ),
            today=TODAY,
        )


def test_an_assistant_who_stopped_working_is_deactivated_once() -> None:
    command = DeactivateAssistant(
        AID, ended_on=date(2026, 6, 30), reason=DeactivationReason.LONG_TERM_LEAVE
    )
    assert deactivate(given(ASSISTANT, REGISTERED), command, today=TODAY) == [DEACTIVATED]
    state = given(ASSISTANT, REGISTERED, DEACTIVATED)
    assert not state.active
    assert state.ended_on == date(2026, 6, 30)
    with pytest.raises(AssistantInactive):
        deactivate(state, command, today=TODAY)


def test_work_does_not_end_before_it_started_nor_in_the_future() -> None:
    state = given(ASSISTANT, REGISTERED)
    with pytest.raises(WorkEndsBeforeStart):
        deactivate(
            state,
            DeactivateAssistant(
                AID, ended_on=date(2025, 2, 28), reason=DeactivationReason.RESIGNED
            ),
            today=TODAY,
        )
    with pytest.raises(EndOfWorkInFuture):
        deactivate(
            state,
            DeactivateAssistant(
                AID, ended_on=date(2026, 11, 30), reason=DeactivationReason.RESIGNED
            ),
            today=TODAY,
        )
    # The last day of work can be the first.
    assert deactivate(
        state,
        DeactivateAssistant(AID, ended_on=date(2025, 3, 1), reason=DeactivationReason.DISMISSED),
        today=TODAY,
    )


def test_the_terms_of_an_assistant_who_does_not_work_are_not_changed() -> None:
    state = given(ASSISTANT, REGISTERED, DEACTIVATED)
    with pytest.raises(AssistantInactive):
        change_employment(
            state,
            ChangeEmployment(
                AID,
                EmploymentTerms(employment_form=EmploymentForm.CIVIL_LAW_CONTRACT),
                effective_from=TODAY,
            ),
            today=TODAY,
        )


def test_an_assistant_comes_back_after_the_day_they_stopped_and_not_in_the_future() -> None:
    state = given(ASSISTANT, REGISTERED, DEACTIVATED)
    for too_early_or_late in (date(2026, 6, 30), date(2026, 11, 24)):
        with pytest.raises(InvalidResumptionDate):
            reactivate(state, ReactivateAssistant(AID, resumed_on=too_early_or_late), today=TODAY)
    with pytest.raises(WorkEndsBeforeStart):
        reactivate(
            state,
            ReactivateAssistant(AID, resumed_on=date(2026, 9, 1), works_until=date(2026, 8, 31)),
            today=TODAY,
        )
    events = reactivate(
        state,
        ReactivateAssistant(AID, resumed_on=date(2026, 9, 1), works_until=date(2027, 8, 31)),
        today=TODAY,
    )
    assert events == [
        AssistantReactivated(resumed_on=date(2026, 9, 1), works_until=date(2027, 8, 31))
    ]
    back = given(ASSISTANT, REGISTERED, DEACTIVATED, *events)
    assert back.active
    assert back.working_since == date(2026, 9, 1)
    assert back.terms is not None and back.terms.works_until == date(2027, 8, 31)
    with pytest.raises(AssistantAlreadyActive):
        reactivate(back, ReactivateAssistant(AID, resumed_on=TODAY), today=TODAY)
    # The second period of work has its own start: a change cannot apply before it.
    with pytest.raises(ChangeBeforeStartOfWork):
        change_employment(
            back,
            ChangeEmployment(
                AID,
                EmploymentTerms(employment_form=EmploymentForm.CIVIL_LAW_CONTRACT),
                effective_from=date(2026, 8, 1),
            ),
            today=TODAY,
        )


def test_an_active_assistant_is_not_reactivated() -> None:
    with pytest.raises(AssistantAlreadyActive):
        reactivate(
            given(ASSISTANT, REGISTERED), ReactivateAssistant(AID, resumed_on=TODAY), today=TODAY
        )


# --- Institutions -----------------------------------------------------------------------------

PORADNIA = InstitutionDetails(
    name="Poradnia Psychologiczno-Pedagogiczna nr 9",
    category=InstitutionCategory.DIAGNOSTIC_CENTRE,
    regon="123456785",
    address=PostalAddress(street="ul. Szczęśliwicka 56", postal_code="02-353"),
    district=OCHOTA,
    phone="22 822 39 88",
    email="sekretariat@ppp9.example",
    opening_hours="pon.-pt. 8:00-18:00",
    competence=("diagnoza psychologiczna", "opinie o potrzebie kształcenia specjalnego"),
)
REGISTERED_PORADNIA = InstitutionRegistered(details=PORADNIA)


def test_an_institution_is_registered_once() -> None:
    assert register_institution(given(INSTITUTION), RegisterInstitution(PORADNIA), today=TODAY) == [
        REGISTERED_PORADNIA
    ]
    state = given(INSTITUTION, REGISTERED_PORADNIA)
    assert state.exists and not state.closed
    assert state.district == OCHOTA
    with pytest.raises(InstitutionAlreadyRegistered):
        register_institution(state, RegisterInstitution(PORADNIA), today=TODAY)


def test_an_update_replaces_the_details_and_records_nothing_when_nothing_changed() -> None:
    state = given(INSTITUTION, REGISTERED_PORADNIA)
    assert update(state, UpdateInstitution(IID, PORADNIA), today=TODAY) == []
    moved = PORADNIA.model_copy(update={"phone": "22 822 00 00", "also_serves": ("1465178",)})
    assert update(state, UpdateInstitution(IID, moved), today=TODAY) == [
        InstitutionUpdated(details=moved)
    ]
    assert given(INSTITUTION, REGISTERED_PORADNIA, InstitutionUpdated(details=moved)).details == (
        moved
    )


def test_an_institution_is_closed_once_not_in_the_future_and_then_not_updated() -> None:
    state = given(INSTITUTION, REGISTERED_PORADNIA)
    with pytest.raises(ClosureInFuture):
        close(state, CloseInstitution(IID, closed_on=date(2026, 12, 31), reason=""), today=TODAY)
    events = close(
        state, CloseInstitution(IID, closed_on=TODAY, reason="połączona z PPP nr 5"), today=TODAY
    )
    assert events == [InstitutionClosed(closed_on=TODAY, reason="połączona z PPP nr 5")]
    closed = given(INSTITUTION, REGISTERED_PORADNIA, *events)
    assert closed.closed
    with pytest.raises(InstitutionIsClosed):
        close(closed, CloseInstitution(IID, closed_on=TODAY, reason=""), today=TODAY)
    with pytest.raises(InstitutionIsClosed):
        update(
            closed, UpdateInstitution(IID, PORADNIA.model_copy(update={"phone": None})), today=TODAY
        )
