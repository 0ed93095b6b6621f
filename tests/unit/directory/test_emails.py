"""An assistant's e-mail address (where their daily digest goes): given past events, when a
registration or a change of address, then the events stored or the refusal (in Polish, and
nothing stored); an assistant registered before addresses existed reads without one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.directory.application import handlers
from services.directory.domain.assistant import (
    ASSISTANT,
    ChangeEmail,
    InvalidEmail,
    RegisterAssistant,
)
from shared.domain.clock import FixedClock
from shared.domain.errors import NotFound
from shared.events import Envelope
from shared.events.directory import (
    AssistantEmailChanged,
    AssistantRegistered,
    EmploymentForm,
)
from shared.testing import FakeUnitOfWork, InMemoryEventLog

OCHOTA = "1465068"
CLOCK = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
REGISTERED = AssistantRegistered(
    first_name="Agnieszka",
    last_name="Wiśniewska",
    district=OCHOTA,
    employment_form=EmploymentForm.EMPLOYMENT_CONTRACT,
    works_since=date(2025, 3, 1),
    email="a.wisniewska@ops-ochota.waw.pl",
)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(InMemoryEventLog())


def _register(email: str | None) -> RegisterAssistant:
    return RegisterAssistant(
        "Anna", "Nowak", OCHOTA, EmploymentForm.CIVIL_LAW_CONTRACT, email=email
    )


async def test_an_assistant_is_registered_with_the_address_of_their_digest(
    uow: FakeUnitOfWork,
) -> None:
    command = _register(" Anna.Nowak@OPS-Ochota.waw.PL ")
    await handlers.register_assistant(command, uow, CLOCK)
    (event,) = uow.committed
    # The domain is lower-cased, the local part kept as written.
    assert isinstance(event, AssistantRegistered)
    assert event.email == "Anna.Nowak@ops-ochota.waw.pl"
    state = ASSISTANT.fold(uow.log.events(ASSISTANT, command.assistant_id))
    assert state.email == "Anna.Nowak@ops-ochota.waw.pl"


async def test_an_assistant_may_be_registered_without_an_address(uow: FakeUnitOfWork) -> None:
    await handlers.register_assistant(_register(""), uow, CLOCK)
    (event,) = uow.committed
    assert isinstance(event, AssistantRegistered) and event.email is None


@pytest.mark.parametrize(
    "email",
    [
        "anna.nowak",
        "anna nowak@ops.pl",
        "anna@ops",
        "@ops.waw.pl",
        "anna@@ops.pl",
        ".anna@ops.pl",
        "an..na@ops.pl",
        "anna@ops..pl",
        "a" * 65 + "@ops.pl",
    ],
)
async def test_a_malformed_address_is_refused_in_polish_and_nothing_stored(
    email: str, uow: FakeUnitOfWork
) -> None:
    with pytest.raises(InvalidEmail) as refused:
        await handlers.register_assistant(_register(email), uow, CLOCK)
    assert uow.committed == [] and uow.log.streams == {}
    assert refused.value.kind.value == "invalid"
    assert refused.value.title("pl") == "Nieprawidłowy adres e-mail"
    assert "nazwa@domena.pl" in refused.value.detail("pl")


async def test_the_address_is_changed(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    await handlers.change_email(ChangeEmail(me, "agnieszka@ops-ochota.waw.pl"), uow, CLOCK)
    assert uow.committed == [AssistantEmailChanged(email="agnieszka@ops-ochota.waw.pl")]
    state = ASSISTANT.fold(uow.log.events(ASSISTANT, me))
    assert state.email == "agnieszka@ops-ochota.waw.pl"


async def test_the_same_address_again_changes_nothing(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    await handlers.change_email(ChangeEmail(me, "a.wisniewska@OPS-OCHOTA.waw.pl"), uow, CLOCK)
    assert uow.committed == []


async def test_the_address_is_removed(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    await handlers.change_email(ChangeEmail(me, None), uow, CLOCK)
    assert uow.committed == [AssistantEmailChanged(email=None)]


async def test_a_change_to_a_malformed_address_is_refused(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    with pytest.raises(InvalidEmail):
        await handlers.change_email(ChangeEmail(me, "agnieszka(at)ops.pl"), uow, CLOCK)
    assert uow.committed == []


async def test_the_address_of_an_unknown_assistant_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await handlers.change_email(ChangeEmail(uuid.uuid4(), "x@ops.pl"), uow, CLOCK)


def test_an_assistant_registered_before_addresses_reads_without_one() -> None:
    stored = {
        "first_name": "Ewa",
        "last_name": "Dąbrowska",
        "district": OCHOTA,
        "employment_form": "employment_contract",
        "works_since": "2024-01-02",
        "login": "ewa.dabrowska",
    }
    envelope = Envelope(
        event_id=uuid.uuid4(),
        event_type="AssistantRegistered",
        schema_version=1,
        aggregate_type="assistant",
        aggregate_id=uuid.uuid4(),
        aggregate_version=1,
        district=OCHOTA,
        occurred_at=CLOCK.now(),
        recorded_at=CLOCK.now(),
        actor="head:x",
        correlation_id="c",
        payload=stored,
    )
    event = envelope.event()
    assert isinstance(event, AssistantRegistered) and event.email is None
    assert ASSISTANT.fold([event]).email is None
