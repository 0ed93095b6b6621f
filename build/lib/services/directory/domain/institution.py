"""An institution assistants work with: a counselling centre, a school, a family court, a police
station, an NGO. Public bodies and organisations: nothing here is a person's data.

Rules:
- an institution is registered once; its details (validated on the way in: REGON, postal code,
  phone, e-mail) are replaced in full by an update, and an update that changes nothing records
  nothing;
- a closed institution is closed once and no longer updated; its closure is a fact, so not in
  the future.

One REGON names one institution; that is a rule across institutions, so the read model's unique
key on REGON keeps it (in the same transaction as the event), not this aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.aggregate import AggregateType
from shared.errors import DomainError, ErrorKind
from shared.events import DomainEvent
from shared.events.directory import (
    InstitutionClosed,
    InstitutionDetails,
    InstitutionRegistered,
    InstitutionUpdated,
)


@dataclass(frozen=True)
class Institution:
    exists: bool = False
    details: InstitutionDetails | None = None
    closed_on: date | None = None

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    @property
    def district(self) -> str:
        assert self.details is not None
        return self.details.district


@dataclass(frozen=True)
class RegisterInstitution:
    details: InstitutionDetails


@dataclass(frozen=True)
class UpdateInstitution:
    details: InstitutionDetails


@dataclass(frozen=True)
class CloseInstitution:
    closed_on: date
    reason: str
    today: date


class InstitutionAlreadyRegistered(DomainError):
    code = "institution-already-registered"
    kind = ErrorKind.CONFLICT
    title_pl = "Instytucja już zarejestrowana"
    title_en = "Institution already registered"
    detail_pl = "Ta instytucja jest już w rejestrze."
    detail_en = "This institution is already registered."


class RegonAlreadyRegistered(DomainError):
    """Raised by the application when the read model's unique key on REGON refuses a row."""

    code = "regon-already-registered"
    kind = ErrorKind.CONFLICT
    title_pl = "REGON już w rejestrze"
    title_en = "REGON already registered"
    detail_pl = "Instytucja o numerze REGON {regon} jest już w rejestrze."
    detail_en = "An institution with REGON {regon} is already registered."


class InstitutionIsClosed(DomainError):
    code = "institution-closed"
    kind = ErrorKind.CONFLICT
    title_pl = "Instytucja zamknięta"
    title_en = "Institution closed"
    detail_pl = "Instytucja została zamknięta {closed_on}; jej danych się już nie zmienia."
    detail_en = "The institution was closed on {closed_on}; its details are no longer changed."


class ClosureInFuture(DomainError):
    code = "closure-in-future"
    kind = ErrorKind.INVALID
    title_pl = "Data zamknięcia w przyszłości"
    title_en = "Closure in the future"
    detail_pl = "Zamknięcie zapisuje się, gdy nastąpiło; data {closed_on} jest w przyszłości."
    detail_en = "A closure is recorded once it happened; {closed_on} is in the future."


def register(state: Institution, command: RegisterInstitution) -> list[DomainEvent]:
    if state.exists:
        raise InstitutionAlreadyRegistered()
    return [InstitutionRegistered(details=command.details)]


def update(state: Institution, command: UpdateInstitution) -> list[DomainEvent]:
    assert state.exists
    if state.closed:
        raise InstitutionIsClosed(closed_on=state.closed_on)
    if command.details == state.details:
        return []
    return [InstitutionUpdated(details=command.details)]


def close(state: Institution, command: CloseInstitution) -> list[DomainEvent]:
    assert state.exists
    if state.closed:
        raise InstitutionIsClosed(closed_on=state.closed_on)
    if command.closed_on > command.today:
        raise ClosureInFuture(closed_on=command.closed_on)
    return [InstitutionClosed(closed_on=command.closed_on, reason=command.reason)]


def evolve(state: Institution, event: DomainEvent) -> Institution:
    match event:
        case InstitutionRegistered() | InstitutionUpdated():
            return replace(state, exists=True, details=event.details)
        case InstitutionClosed():
            return replace(state, closed_on=event.closed_on)
    return state


INSTITUTION = AggregateType[Institution](name="institution", initial=Institution, evolve=evolve)
