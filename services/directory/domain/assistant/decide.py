"""An assistant's rules: registered once in one district centre, on terms of employment that
change over time, working or not.

- an assistant is registered once;
- the terms hang together: a part-time post says its hours (fewer than 40 a week), and only an
  employment contract has a working-time system (the Labour Code's; a civil-law contract has
  none);
- work never ends before it started: a planned end (`works_until`) is not before the start,
  and the actual end (deactivation) neither; a deactivation is a fact, so not in the future;
- an assistant who stopped working is deactivated once and can be reactivated later (back from
  a long leave, a new contract), after the day they stopped and not in the future;
- the terms of an assistant who does not work are not changed: reactivate first;
- a login (how the assistant signs in at the identity provider) belongs to one assistant at
  most: the caller says who holds it now (`holder`, from the directory's read model, whose
  unique key also refuses a login taken by a concurrent command);
- an assistant's e-mail address (where their daily digest goes) is optional and, when given,
  a well-formed address (`check_email`: one @, a dotted domain; the domain in lower case).

Every decision has one signature: `(state, command, *, today) -> new events`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.directory.domain.assistant.commands import (
    ChangeEmail,
    ChangeEmployment,
    ChangeLogin,
    DeactivateAssistant,
    ReactivateAssistant,
    RegisterAssistant,
)
from services.directory.domain.assistant.errors import (
    AssistantAlreadyActive,
    AssistantAlreadyRegistered,
    AssistantInactive,
    ChangeBeforeStartOfWork,
    EndOfWorkInFuture,
    HoursRequiredForPartTime,
    InvalidEmail,
    InvalidResumptionDate,
    LoginTaken,
    WorkEndsBeforeStart,
    WorkingTimeSystemOnCivilLawContract,
)
from services.directory.domain.assistant.state import FULL_TIME_HOURS, Assistant, EmploymentTerms
from shared.domain.errors import NotFound
from shared.events import DomainEvent
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmailChanged,
    AssistantEmploymentChanged,
    AssistantLoginChanged,
    AssistantReactivated,
    AssistantRegistered,
    EmploymentForm,
    WorkingTime,
    check_email,
)


def _check_terms(terms: EmploymentTerms, *, starts: date) -> None:
    if terms.working_time is WorkingTime.PART_TIME and (
        terms.hours_per_week is None or terms.hours_per_week >= FULL_TIME_HOURS
    ):
        raise HoursRequiredForPartTime()
    if (
        terms.employment_form is EmploymentForm.CIVIL_LAW_CONTRACT
        and terms.working_time_system is not None
    ):
        raise WorkingTimeSystemOnCivilLawContract()
    if terms.works_until is not None and terms.works_until < starts:
        raise WorkEndsBeforeStart(ends=terms.works_until, starts=starts)


def _working(state: Assistant, assistant_id: object) -> date:
    """The start of the current period of work of a registered, working assistant."""
    if not state.registered or state.working_since is None:
        raise NotFound(entity="assistant", id=assistant_id)
    if not state.active:
        raise AssistantInactive(ended_on=state.ended_on)
    return state.working_since


def _email(email: str | None) -> str | None:
    """The address as the directory keeps it (None for none); a malformed one is refused."""
    if email is None or not email.strip():
        return None
    try:
        return check_email(email)
    except ValueError as exc:  # pydantic's custom error, the value type's rule
        raise InvalidEmail() from exc


def _check_login(login: str | None, holder: UUID | None, assistant_id: UUID) -> None:
    if login is not None and holder is not None and holder != assistant_id:
        raise LoginTaken(login=login)


def register(
    state: Assistant, command: RegisterAssistant, *, today: date, holder: UUID | None = None
) -> list[DomainEvent]:
    """`holder`: the assistant who signs in with the command's login today, if any."""
    if state.registered:
        raise AssistantAlreadyRegistered()
    _check_login(command.login, holder, command.assistant_id)
    email = _email(command.email)
    works_since = command.works_since or today
    _check_terms(command.terms, starts=works_since)
    return [
        AssistantRegistered(
            first_name=command.first_name,
            last_name=command.last_name,
            district=command.district,
            employment_form=command.employment_form,
            works_since=works_since,
            working_time=command.working_time,
            hours_per_week=command.hours_per_week,
            working_time_system=command.working_time_system,
            works_until=command.works_until,
            login=command.login,
            email=email,
        )
    ]


def change_login(
    state: Assistant, command: ChangeLogin, *, today: date, holder: UUID | None = None
) -> list[DomainEvent]:
    """Link the assistant to another login (also one who stopped working: an administrator
    may unlink them); nothing happens if it is the current one."""
    del today  # the same signature as every decision; a login has no date
    if not state.registered:
        raise NotFound(entity="assistant", id=command.assistant_id)
    if command.login == state.login:
        return []
    _check_login(command.login, holder, command.assistant_id)
    return [AssistantLoginChanged(login=command.login)]


def change_email(state: Assistant, command: ChangeEmail, *, today: date) -> list[DomainEvent]:
    """Send the assistant's digest to another address (also for one who stopped working, as
    with a login); nothing happens if it is the current one."""
    del today  # the same signature as every decision; an address has no date
    if not state.registered:
        raise NotFound(entity="assistant", id=command.assistant_id)
    email = _email(command.email)
    if email == state.email:
        return []
    return [AssistantEmailChanged(email=email)]


def change_employment(
    state: Assistant, command: ChangeEmployment, *, today: date
) -> list[DomainEvent]:
    """New terms of employment; nothing happens if they are the current ones."""
    working_since = _working(state, command.assistant_id)
    effective_from = command.effective_from or today
    if effective_from < working_since:
        raise ChangeBeforeStartOfWork(starts=working_since)
    _check_terms(command.terms, starts=working_since)
    if command.terms == state.terms:
        return []
    terms = command.terms
    return [
        AssistantEmploymentChanged(
            employment_form=terms.employment_form,
            working_time=terms.working_time,
            hours_per_week=terms.hours_per_week,
            working_time_system=terms.working_time_system,
            works_until=terms.works_until,
            effective_from=effective_from,
        )
    ]


def deactivate(state: Assistant, command: DeactivateAssistant, *, today: date) -> list[DomainEvent]:
    working_since = _working(state, command.assistant_id)
    ended_on = command.ended_on or today
    if ended_on < working_since:
        raise WorkEndsBeforeStart(ends=ended_on, starts=working_since)
    if ended_on > today:
        raise EndOfWorkInFuture(ended_on=ended_on)
    return [AssistantDeactivated(ended_on=ended_on, reason=command.reason)]


def reactivate(state: Assistant, command: ReactivateAssistant, *, today: date) -> list[DomainEvent]:
    if not state.registered:
        raise NotFound(entity="assistant", id=command.assistant_id)
    if state.active or state.ended_on is None:
        raise AssistantAlreadyActive()
    resumed_on = command.resumed_on or today
    if not state.ended_on < resumed_on <= today:
        raise InvalidResumptionDate(resumed_on=resumed_on, ended_on=state.ended_on)
    if command.works_until is not None and command.works_until < resumed_on:
        raise WorkEndsBeforeStart(ends=command.works_until, starts=resumed_on)
    return [AssistantReactivated(resumed_on=resumed_on, works_until=command.works_until)]
