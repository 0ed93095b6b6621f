"""An institution's rules. Public bodies and organisations: nothing here is a person's data.

- an institution is registered once; its details (validated on the way in: REGON, postal code,
  phone, e-mail) are replaced in full by an update, and an update that changes nothing records
  nothing;
- a closed institution is closed once and no longer updated; its closure is a fact, so not in
  the future.

One REGON names one institution; that is a rule across institutions, so the read model's unique
key on REGON keeps it (in the same transaction as the event), not this aggregate.

Every decision has one signature: `(state, command, *, today) -> new events`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.directory.domain.institution.commands import (
    ChangeInstitution,
    CloseInstitution,
    RegisterInstitution,
    UpdateInstitution,
)
from services.directory.domain.institution.errors import (
    ClosureInFuture,
    InstitutionAlreadyRegistered,
    InstitutionIsClosed,
)
from services.directory.domain.institution.state import Institution
from shared.domain.errors import NotFound
from shared.events import DomainEvent
from shared.events.directory import (
    InstitutionClosed,
    InstitutionDetails,
    InstitutionRegistered,
    InstitutionUpdated,
)


def _open(state: Institution, institution_id: UUID) -> InstitutionDetails:
    if not state.exists or state.details is None:
        raise NotFound(entity="institution", id=institution_id)
    if state.closed:
        raise InstitutionIsClosed(closed_on=state.closed_on)
    return state.details


def register(
    state: Institution,
    command: RegisterInstitution,
    *,
    today: date,  # noqa: ARG001 (the one signature of a decision)
) -> list[DomainEvent]:
    if state.exists:
        raise InstitutionAlreadyRegistered()
    return [InstitutionRegistered(details=command.details)]


def update(
    state: Institution,
    command: UpdateInstitution,
    *,
    today: date,  # noqa: ARG001 (the one signature of a decision)
) -> list[DomainEvent]:
    current = _open(state, command.institution_id)
    if command.details == current:
        return []
    return [InstitutionUpdated(details=command.details)]


def change(state: Institution, command: ChangeInstitution, *, today: date) -> list[DomainEvent]:
    """Some fields changed, the others as they are now."""
    current = _open(state, command.institution_id)
    details = InstitutionDetails.model_validate({**current.model_dump(), **command.changes})
    return update(state, UpdateInstitution(command.institution_id, details), today=today)


def close(state: Institution, command: CloseInstitution, *, today: date) -> list[DomainEvent]:
    _open(state, command.institution_id)
    closed_on = command.closed_on or today
    if closed_on > today:
        raise ClosureInFuture(closed_on=closed_on)
    return [InstitutionClosed(closed_on=closed_on, reason=command.reason)]
