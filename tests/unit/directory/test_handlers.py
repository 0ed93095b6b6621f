"""The directory's handlers with fakes: given past events, when a command, then the events
stored or the refusal (and nothing stored)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.directory.application import handlers
from services.directory.domain.assistant import (
    ASSISTANT,
    AssistantInactive,
    ChangeEmployment,
    DeactivateAssistant,
    EmploymentTerms,
    EndOfWorkInFuture,
    ReactivateAssistant,
    RegisterAssistant,
)
from services.directory.domain.institution import (
    INSTITUTION,
    ChangeInstitution,
    CloseInstitution,
    InstitutionIsClosed,
    RegisterInstitution,
    UpdateInstitution,
)
from shared.domain.clock import FixedClock
from shared.domain.errors import NotFound
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmploymentChanged,
    AssistantReactivated,
    AssistantRegistered,
    DeactivationReason,
    EmploymentForm,
    InstitutionClosed,
    InstitutionDetails,
    InstitutionRegistered,
    InstitutionUpdated,
    WorkingTime,
)
from shared.eventstore import EventMetadata
from shared.eventstore.runner import CommandRunner, Idempotency
from shared.testing import FakeUnitOfWork, InMemoryEventLog

OCHOTA, MOKOTOW = "1465068", "1465058"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
CLOCK = FixedClock(NOW)
REGISTERED = AssistantRegistered(
    first_name="Agnieszka",
    last_name="Wiśniewska",
    district=OCHOTA,
    employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
    works_since=date(2025, 3, 1),
)
DEACTIVATED = AssistantDeactivated(ended_on=date(2026, 6, 30), reason=DeactivationReason.RESIGNED)
PORADNIA = InstitutionDetails.model_validate(
    {
        "name": "Poradnia Psychologiczno-Pedagogiczna nr 9",
        "category": "diagnostic_centre",
        "regon": "123456785",
        "address": {"street": "ul. Szczęśliwicka 56", "postal_code": "02-353"},
        "district": OCHOTA,
    }
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(InMemoryEventLog())


# --- Assistants ---------------------------------------------------------------------------


async def test_an_assistant_is_registered_working_from_today_by_default(
    uow: FakeUnitOfWork,
) -> None:
    command = RegisterAssistant(
        first_name="Agnieszka",
        last_name="Wiśniewska",
        district=OCHOTA,
        employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
    )
    assert await handlers.register_assistant(command, uow, CLOCK) == command.assistant_id
    (event,) = uow.committed
    assert isinstance(event, AssistantRegistered) and event.works_since == TODAY
    (envelope,) = uow.stored
    assert (envelope.aggregate_id, envelope.district) == (command.assistant_id, OCHOTA)


async def test_a_registration_retried_with_its_key_registers_one_assistant() -> None:
    uow = FakeUnitOfWork(InMemoryEventLog())
    runner = CommandRunner(uow, CLOCK)
    key = Idempotency.of("k", "POST", "/assistants", b"{}")
    metadata = EventMetadata(actor="user:head", correlation_id="c")
    ids = [
        await runner.run(
            handlers.register_assistant,
            RegisterAssistant("Anna", "Nowak", OCHOTA, EmploymentForm.CIVIL_LAW_CONTRACT),
            metadata,
            idempotency=key,
        )
        for _ in range(2)
    ]
    assert ids[0] == ids[1]
    assert len(uow.log.streams) == 1


async def test_new_terms_of_employment_are_recorded(uow: FakeUnitOfWork) -> None:
    assistant_id = uuid.uuid4()
    uow.log.given(ASSISTANT, assistant_id, REGISTERED)
    terms = EmploymentTerms(
        EmploymentForm.EMPLOYMENT_CONTRACT, working_time=WorkingTime.PART_TIME, hours_per_week=20
    )
    await handlers.change_employment(ChangeEmployment(assistant_id, terms), uow, CLOCK)
    assert uow.committed == [
        AssistantEmploymentChanged(
            employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
            working_time=WorkingTime.PART_TIME,
            hours_per_week=20,
            effective_from=TODAY,
        )
    ]


async def test_the_terms_of_an_unknown_assistant_are_not_found(uow: FakeUnitOfWork) -> None:
    terms = EmploymentTerms(EmploymentForm.EMPLOYMENT_CONTRACT)
    with pytest.raises(NotFound):
        await handlers.change_employment(ChangeEmployment(uuid.uuid4(), terms), uow, CLOCK)


async def test_an_assistant_is_deactivated_today_by_default(uow: FakeUnitOfWork) -> None:
    assistant_id = uuid.uuid4()
    uow.log.given(ASSISTANT, assistant_id, REGISTERED)
    command = DeactivateAssistant(assistant_id, reason=DeactivationReason.RESIGNED)
    await handlers.deactivate_assistant(command, uow, CLOCK)
    assert uow.committed == [
        AssistantDeactivated(ended_on=TODAY, reason=DeactivationReason.RESIGNED)
    ]


async def test_a_deactivation_in_the_future_stores_nothing(uow: FakeUnitOfWork) -> None:
    assistant_id = uuid.uuid4()
    uow.log.given(ASSISTANT, assistant_id, REGISTERED)
    command = DeactivateAssistant(
        assistant_id, reason=DeactivationReason.RESIGNED, ended_on=date(2026, 12, 1)
    )
    with pytest.raises(EndOfWorkInFuture):
        await handlers.deactivate_assistant(command, uow, CLOCK)
    assert uow.committed == []


async def test_an_assistant_back_at_work_is_reactivated(uow: FakeUnitOfWork) -> None:
    assistant_id = uuid.uuid4()
    uow.log.given(ASSISTANT, assistant_id, REGISTERED, DEACTIVATED)
    command = ReactivateAssistant(assistant_id, works_until=date(2027, 6, 30))
    await handlers.reactivate_assistant(command, uow, CLOCK)
    assert uow.committed == [AssistantReactivated(resumed_on=TODAY, works_until=date(2027, 6, 30))]
    with pytest.raises(AssistantInactive):
        uow.log.given(ASSISTANT, assistant_id, DEACTIVATED.model_copy())
        terms = EmploymentTerms(EmploymentForm.EMPLOYMENT_CONTRACT)
        await handlers.change_employment(
            ChangeEmployment(assistant_id, terms), uow(uow.metadata), CLOCK
        )


# --- Institutions -------------------------------------------------------------------------


async def test_an_institution_is_registered(uow: FakeUnitOfWork) -> None:
    command = RegisterInstitution(PORADNIA)
    assert await handlers.register_institution(command, uow, CLOCK) == command.institution_id
    assert uow.committed == [InstitutionRegistered(details=PORADNIA)]


async def test_an_institutions_details_are_replaced_in_full(uow: FakeUnitOfWork) -> None:
    institution_id = uuid.uuid4()
    uow.log.given(INSTITUTION, institution_id, InstitutionRegistered(details=PORADNIA))
    moved = PORADNIA.model_copy(update={"district": MOKOTOW})
    await handlers.update_institution(UpdateInstitution(institution_id, moved), uow, CLOCK)
    assert uow.committed == [InstitutionUpdated(details=moved)]


async def test_a_change_applies_to_the_current_details(uow: FakeUnitOfWork) -> None:
    institution_id = uuid.uuid4()
    uow.log.given(INSTITUTION, institution_id, InstitutionRegistered(details=PORADNIA))
    command = ChangeInstitution(institution_id, {"phone": "22 822 49 36"})
    await handlers.change_institution(command, uow, CLOCK)
    (event,) = uow.committed
    assert isinstance(event, InstitutionUpdated)
    assert event.details == PORADNIA.model_copy(update={"phone": "22 822 49 36"})


async def test_a_change_that_changes_nothing_records_nothing(uow: FakeUnitOfWork) -> None:
    institution_id = uuid.uuid4()
    uow.log.given(INSTITUTION, institution_id, InstitutionRegistered(details=PORADNIA))
    command = ChangeInstitution(institution_id, {"name": PORADNIA.name})
    await handlers.change_institution(command, uow, CLOCK)
    assert uow.committed == []


async def test_an_institution_is_closed_once(uow: FakeUnitOfWork) -> None:
    institution_id = uuid.uuid4()
    uow.log.given(INSTITUTION, institution_id, InstitutionRegistered(details=PORADNIA))
    await handlers.close_institution(
        CloseInstitution(institution_id, reason="likwidacja"), uow, CLOCK
    )
    assert uow.committed == [InstitutionClosed(closed_on=TODAY, reason="likwidacja")]
    again = uow(uow.metadata)
    with pytest.raises(InstitutionIsClosed):
        await handlers.close_institution(CloseInstitution(institution_id), again, CLOCK)
    assert again.committed == []


async def test_an_unknown_institution_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await handlers.close_institution(CloseInstitution(uuid.uuid4()), uow, CLOCK)
