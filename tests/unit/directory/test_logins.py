"""An assistant's login (how they sign in at the city's identity provider): given past events
and who holds a login today, when a registration or a change of login, then the events stored
or the refusal (and nothing stored)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from services.directory.application import handlers
from services.directory.domain.assistant import (
    ASSISTANT,
    ChangeLogin,
    LoginTaken,
    RegisterAssistant,
)
from services.directory.domain.messages import MESSAGES
from shared.domain.clock import FixedClock
from shared.domain.errors import NotFound
from shared.events import Envelope
from shared.events.directory import (
    AssistantLoginChanged,
    AssistantRegistered,
    EmploymentForm,
    Login,
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
    login="agnieszka.wisniewska",
)


class Holders:
    """Who signs in with which login, as the directory's read model would answer."""

    def __init__(self, **held: UUID) -> None:
        self.held = {login.replace("_", "."): holder for login, holder in held.items()}

    async def holder(self, login: str) -> UUID | None:
        return self.held.get(login)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(InMemoryEventLog())


def _register(login: str | None) -> RegisterAssistant:
    return RegisterAssistant(
        "Anna", "Nowak", OCHOTA, EmploymentForm.CIVIL_LAW_CONTRACT, login=login
    )


async def test_an_assistant_is_registered_with_the_login_they_sign_in_with(
    uow: FakeUnitOfWork,
) -> None:
    command = _register("anna.nowak")
    await handlers.LoginHandlers(Holders()).register_assistant(command, uow, CLOCK)
    (event,) = uow.committed
    assert isinstance(event, AssistantRegistered) and event.login == "anna.nowak"
    assert ASSISTANT.fold(uow.log.events(ASSISTANT, command.assistant_id)).login == "anna.nowak"


async def test_a_login_another_assistant_holds_is_refused_and_nothing_stored(
    uow: FakeUnitOfWork,
) -> None:
    other = uuid.uuid4()
    with pytest.raises(LoginTaken) as refused:
        await handlers.LoginHandlers(Holders(anna_nowak=other)).register_assistant(
            _register("anna.nowak"), uow, CLOCK
        )
    assert uow.committed == [] and uow.log.streams == {}
    assert refused.value.kind.value == "conflict"
    assert "anna.nowak" in refused.value.detail("pl")
    assert "login-taken" in MESSAGES


async def test_the_login_is_changed_and_the_old_one_let_go(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    logins = handlers.LoginHandlers(Holders())
    await logins.change_login(ChangeLogin(me, "a.wisniewska"), uow, CLOCK)
    (event,) = uow.committed
    assert event == AssistantLoginChanged(login="a.wisniewska")
    assert ASSISTANT.fold(uow.log.events(ASSISTANT, me)).login == "a.wisniewska"


async def test_a_change_to_a_login_another_assistant_holds_is_refused(
    uow: FakeUnitOfWork,
) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    with pytest.raises(LoginTaken):
        await handlers.LoginHandlers(Holders(tomasz_zielinski=other)).change_login(
            ChangeLogin(me, "tomasz.zielinski"), uow, CLOCK
        )
    assert uow.committed == []


async def test_the_same_login_again_changes_nothing(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    # The read model says the assistant holds their own login: not a conflict.
    holders = Holders(agnieszka_wisniewska=me)
    await handlers.LoginHandlers(holders).change_login(
        ChangeLogin(me, "agnieszka.wisniewska"), uow, CLOCK
    )
    assert uow.committed == []


async def test_a_login_is_unlinked(uow: FakeUnitOfWork) -> None:
    me = uuid.uuid4()
    uow.log.given(ASSISTANT, me, REGISTERED)
    await handlers.change_login(ChangeLogin(me, None), uow, CLOCK)
    assert uow.committed == [AssistantLoginChanged(login=None)]


async def test_the_login_of_an_unknown_assistant_is_not_found(uow: FakeUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await handlers.change_login(ChangeLogin(uuid.uuid4(), "x.y"), uow, CLOCK)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("anna.nowak", "anna.nowak"),
        (" Anna.Nowak ", "anna.nowak"),
        ("an", "an"),
        ("a.nowak@ops.waw.pl", "a.nowak@ops.waw.pl"),
        ("f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "f3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"),
    ],
)
def test_a_login_is_a_short_text_of_allowed_characters(given: str, stored: str) -> None:
    assert TypeAdapter(Login).validate_python(given) == stored


@pytest.mark.parametrize(
    "login", ["", "a", "anna nowak", "łucja", ".anna", "a" * 65, "anna;drop", "-x"]
)
def test_a_login_of_other_characters_is_refused(login: str) -> None:
    with pytest.raises(ValidationError) as refused:
        TypeAdapter(Login).validate_python(login)
    assert "login" in str(refused.value)


def test_an_assistant_registered_before_logins_reads_without_one() -> None:
    stored = {
        "first_name": "Ewa",
        "last_name": "Dąbrowska",
        "district": OCHOTA,
        "employment_form": "employment_contract",
        "works_since": "2024-01-02",
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
    assert isinstance(event, AssistantRegistered) and event.login is None
    assert ASSISTANT.fold([event]).login is None
