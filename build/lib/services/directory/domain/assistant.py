"""An assistant as the directory knows them: registered once in one district centre, on terms
of employment that change over time, working or not.

Rules:
- an assistant is registered once;
- the terms hang together: a part-time post says its hours (fewer than 40 a week), and only an
  employment contract has a working-time system (the Labour Code's; a civil-law contract has
  none);
- work never ends before it started: a planned end (`works_until`) is not before the start,
  and the actual end (deactivation) neither; a deactivation is a fact, so not in the future;
- an assistant who stopped working is deactivated once and can be reactivated later (back from
  a long leave, a new contract), after the day they stopped and not in the future;
- the terms of an assistant who does not work are not changed: reactivate first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.aggregate import AggregateType
from shared.errors import DomainError, ErrorKind
from shared.events import DomainEvent
from shared.events.directory import (
    AssistantDeactivated,
    AssistantEmploymentChanged,
    AssistantReactivated,
    AssistantRegistered,
    DeactivationReason,
    EmploymentForm,
    WorkingTime,
    WorkingTimeSystem,
)

FULL_TIME_HOURS = 40


@dataclass(frozen=True)
class EmploymentTerms:
    employment_form: EmploymentForm
    working_time: WorkingTime | None = None
    hours_per_week: int | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None


@dataclass(frozen=True)
class Assistant:
    registered: bool = False
    district: str | None = None
    terms: EmploymentTerms | None = None
    works_since: date | None = None
    # The start of the current period of work: works_since, or the last reactivation.
    working_since: date | None = None
    active: bool = False
    ended_on: date | None = None

    @property
    def employment_form(self) -> EmploymentForm | None:
        return self.terms.employment_form if self.terms else None


@dataclass(frozen=True)
class RegisterAssistant:
    first_name: str
    last_name: str
    district: str
    employment_form: EmploymentForm
    works_since: date
    working_time: WorkingTime | None = None
    hours_per_week: int | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None


@dataclass(frozen=True)
class ChangeEmployment:
    terms: EmploymentTerms
    effective_from: date


@dataclass(frozen=True)
class DeactivateAssistant:
    ended_on: date
    reason: DeactivationReason
    today: date


@dataclass(frozen=True)
class ReactivateAssistant:
    resumed_on: date
    today: date
    works_until: date | None = None


class AssistantAlreadyRegistered(DomainError):
    code = "assistant-already-registered"
    kind = ErrorKind.CONFLICT
    title_pl = "Asystent już zarejestrowany"
    title_en = "Assistant already registered"
    detail_pl = "Ten asystent jest już w rejestrze."
    detail_en = "This assistant is already registered."


class HoursRequiredForPartTime(DomainError):
    code = "part-time-hours-required"
    kind = ErrorKind.INVALID
    title_pl = "Brak wymiaru godzin"
    title_en = "Hours missing"
    detail_pl = "Przy zatrudnieniu w niepełnym wymiarze podaj liczbę godzin tygodniowo (1-39)."
    detail_en = "A part-time post needs its hours per week (1-39)."


class WorkingTimeSystemOnCivilLawContract(DomainError):
    code = "working-time-system-on-civil-law-contract"
    kind = ErrorKind.INVALID
    title_pl = "System czasu pracy tylko przy umowie o pracę"
    title_en = "Working-time system only under an employment contract"
    detail_pl = "Umowa cywilnoprawna nie ma systemu czasu pracy; usuń pole working_time_system."
    detail_en = "A civil-law contract has no working-time system; leave working_time_system out."


class WorkEndsBeforeStart(DomainError):
    code = "work-ends-before-start"
    kind = ErrorKind.INVALID
    title_pl = "Koniec pracy przed jej początkiem"
    title_en = "Work ends before it starts"
    detail_pl = "Data końca pracy ({ends}) jest wcześniejsza niż data jej początku ({starts})."
    detail_en = "The end of work ({ends}) is before its start ({starts})."


class EndOfWorkInFuture(DomainError):
    code = "end-of-work-in-future"
    kind = ErrorKind.INVALID
    title_pl = "Data zakończenia pracy w przyszłości"
    title_en = "End of work in the future"
    detail_pl = (
        "Dezaktywacja zapisuje faktyczne zakończenie pracy ({ended_on}), nie może być "
        "w przyszłości; planowany koniec zapisz w warunkach zatrudnienia (works_until)."
    )
    detail_en = (
        "Deactivation records the actual end of work ({ended_on}) and cannot be in the future; "
        "record a planned end in the terms of employment (works_until)."
    )


class AssistantInactive(DomainError):
    code = "assistant-inactive"
    kind = ErrorKind.CONFLICT
    title_pl = "Asystent nie pracuje"
    title_en = "Assistant not working"
    detail_pl = "Asystent zakończył pracę {ended_on}; najpierw przywróć go do pracy."
    detail_en = "The assistant stopped working on {ended_on}; reactivate them first."


class AssistantAlreadyActive(DomainError):
    code = "assistant-already-active"
    kind = ErrorKind.CONFLICT
    title_pl = "Asystent już pracuje"
    title_en = "Assistant already working"
    detail_pl = "Asystent jest aktywny; nie ma czego przywracać."
    detail_en = "The assistant is active; there is nothing to reactivate."


class InvalidResumptionDate(DomainError):
    code = "invalid-resumption-date"
    kind = ErrorKind.INVALID
    title_pl = "Nieprawidłowa data powrotu do pracy"
    title_en = "Invalid date of return to work"
    detail_pl = (
        "Powrót do pracy ({resumed_on}) musi nastąpić po dniu zakończenia pracy ({ended_on}) "
        "i nie później niż dziś."
    )
    detail_en = (
        "The return to work ({resumed_on}) must come after the day work ended ({ended_on}) "
        "and not later than today."
    )


class ChangeBeforeStartOfWork(DomainError):
    code = "change-before-start-of-work"
    kind = ErrorKind.INVALID
    title_pl = "Zmiana przed początkiem pracy"
    title_en = "Change before the start of work"
    detail_pl = "Nowe warunki nie mogą obowiązywać przed początkiem pracy ({starts})."
    detail_en = "New terms cannot apply before the start of work ({starts})."


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


def register(state: Assistant, command: RegisterAssistant) -> list[DomainEvent]:
    if state.registered:
        raise AssistantAlreadyRegistered()
    _check_terms(
        EmploymentTerms(
            employment_form=command.employment_form,
            working_time=command.working_time,
            hours_per_week=command.hours_per_week,
            working_time_system=command.working_time_system,
            works_until=command.works_until,
        ),
        starts=command.works_since,
    )
    return [
        AssistantRegistered(
            first_name=command.first_name,
            last_name=command.last_name,
            district=command.district,
            employment_form=command.employment_form,
            works_since=command.works_since,
            working_time=command.working_time,
            hours_per_week=command.hours_per_week,
            working_time_system=command.working_time_system,
            works_until=command.works_until,
        )
    ]


def change_employment(state: Assistant, command: ChangeEmployment) -> list[DomainEvent]:
    """New terms of employment; nothing happens if they are the current ones."""
    assert state.registered and state.working_since is not None
    if not state.active:
        raise AssistantInactive(ended_on=state.ended_on)
    if command.effective_from < state.working_since:
        raise ChangeBeforeStartOfWork(starts=state.working_since)
    _check_terms(command.terms, starts=state.working_since)
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
            effective_from=command.effective_from,
        )
    ]


def deactivate(state: Assistant, command: DeactivateAssistant) -> list[DomainEvent]:
    assert state.registered and state.working_since is not None
    if not state.active:
        raise AssistantInactive(ended_on=state.ended_on)
    if command.ended_on < state.working_since:
        raise WorkEndsBeforeStart(ends=command.ended_on, starts=state.working_since)
    if command.ended_on > command.today:
        raise EndOfWorkInFuture(ended_on=command.ended_on)
    return [AssistantDeactivated(ended_on=command.ended_on, reason=command.reason)]


def reactivate(state: Assistant, command: ReactivateAssistant) -> list[DomainEvent]:
    assert state.registered
    if state.active:
        raise AssistantAlreadyActive()
    assert state.ended_on is not None
    if not state.ended_on < command.resumed_on <= command.today:
        raise InvalidResumptionDate(resumed_on=command.resumed_on, ended_on=state.ended_on)
    if command.works_until is not None and command.works_until < command.resumed_on:
        raise WorkEndsBeforeStart(ends=command.works_until, starts=command.resumed_on)
    return [AssistantReactivated(resumed_on=command.resumed_on, works_until=command.works_until)]


def evolve(state: Assistant, event: DomainEvent) -> Assistant:
    match event:
        case AssistantRegistered():
            return replace(
                state,
                registered=True,
                district=event.district,
                terms=EmploymentTerms(
                    employment_form=event.employment_form,
                    working_time=event.working_time,
                    hours_per_week=event.hours_per_week,
                    working_time_system=event.working_time_system,
                    works_until=event.works_until,
                ),
                works_since=event.works_since,
                working_since=event.works_since,
                active=True,
            )
        case AssistantEmploymentChanged():
            return replace(
                state,
                terms=EmploymentTerms(
                    employment_form=event.employment_form,
                    working_time=event.working_time,
                    hours_per_week=event.hours_per_week,
                    working_time_system=event.working_time_system,
                    works_until=event.works_until,
                ),
            )
        case AssistantDeactivated():
            return replace(state, active=False, ended_on=event.ended_on)
        case AssistantReactivated():
            assert state.terms is not None
            return replace(
                state,
                active=True,
                ended_on=None,
                working_since=event.resumed_on,
                terms=replace(state.terms, works_until=event.works_until),
            )
    return state


ASSISTANT = AggregateType[Assistant](name="assistant", initial=Assistant, evolve=evolve)
