"""The directory's command handlers: one named function per command, each
`(command, unit of work, clock) -> the id of what it created or changed`. The API, the seed
loader and the tests call these; every write goes through the unit of work (whose inline
projection keeps the read model, and its REGON key, in the same transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from services.directory.domain import assistant, institution
from services.directory.domain.assistant import (
    ASSISTANT,
    ChangeEmail,
    ChangeEmployment,
    ChangeLogin,
    DeactivateAssistant,
    ReactivateAssistant,
    RegisterAssistant,
)
from services.directory.domain.institution import (
    INSTITUTION,
    ChangeInstitution,
    CloseInstitution,
    RegisterInstitution,
    UpdateInstitution,
)
from shared.domain.clock import Clock
from shared.eventstore.unit_of_work import UnitOfWork
from shared.runtime.logging import get_logger

log = get_logger(__name__)


class LoginHolders(Protocol):
    """Who signs in with a login today (the directory's read model)."""

    async def holder(self, login: str) -> UUID | None: ...


async def register_assistant(
    cmd: RegisterAssistant, uow: UnitOfWork, clock: Clock, holder: UUID | None = None
) -> UUID:
    async with uow:
        state = await uow.find(ASSISTANT, cmd.assistant_id)
        events = assistant.register(state, cmd, today=clock.today(), holder=holder)
        uow.add(ASSISTANT, cmd.assistant_id, events)
    log.info("assistant.registered", assistant_id=str(cmd.assistant_id), district=cmd.district)
    return cmd.assistant_id


async def change_login(
    cmd: ChangeLogin, uow: UnitOfWork, clock: Clock, holder: UUID | None = None
) -> UUID:
    async with uow:
        state = await uow.get(ASSISTANT, cmd.assistant_id)
        events = assistant.change_login(state, cmd, today=clock.today(), holder=holder)
        uow.add(ASSISTANT, cmd.assistant_id, events)
    log.info("assistant.login_changed", assistant_id=str(cmd.assistant_id), linked=bool(cmd.login))
    return cmd.assistant_id


@dataclass(frozen=True)
class LoginHandlers:
    """The handlers of commands that name a login, told who holds it first (a login taken by
    a command running at the same moment is refused by the read model's unique key)."""

    logins: LoginHolders

    async def register_assistant(
        self, cmd: RegisterAssistant, uow: UnitOfWork, clock: Clock
    ) -> UUID:
        holder = await self.logins.holder(cmd.login) if cmd.login else None
        return await register_assistant(cmd, uow, clock, holder)

    async def change_login(self, cmd: ChangeLogin, uow: UnitOfWork, clock: Clock) -> UUID:
        holder = await self.logins.holder(cmd.login) if cmd.login else None
        return await change_login(cmd, uow, clock, holder)


async def change_email(cmd: ChangeEmail, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(ASSISTANT, cmd.assistant_id)
        uow.add(
            ASSISTANT, cmd.assistant_id, assistant.change_email(state, cmd, today=clock.today())
        )
    # Whether an address is set, never the address.
    log.info("assistant.email_changed", assistant_id=str(cmd.assistant_id), set=bool(cmd.email))
    return cmd.assistant_id


async def change_employment(cmd: ChangeEmployment, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(ASSISTANT, cmd.assistant_id)
        events = assistant.change_employment(state, cmd, today=clock.today())
        uow.add(ASSISTANT, cmd.assistant_id, events)
    log.info("assistant.employment_changed", assistant_id=str(cmd.assistant_id))
    return cmd.assistant_id


async def deactivate_assistant(cmd: DeactivateAssistant, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(ASSISTANT, cmd.assistant_id)
        uow.add(ASSISTANT, cmd.assistant_id, assistant.deactivate(state, cmd, today=clock.today()))
    log.info("assistant.deactivated", assistant_id=str(cmd.assistant_id), reason=cmd.reason.value)
    return cmd.assistant_id


async def reactivate_assistant(cmd: ReactivateAssistant, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(ASSISTANT, cmd.assistant_id)
        uow.add(ASSISTANT, cmd.assistant_id, assistant.reactivate(state, cmd, today=clock.today()))
    log.info("assistant.reactivated", assistant_id=str(cmd.assistant_id))
    return cmd.assistant_id


async def register_institution(cmd: RegisterInstitution, uow: UnitOfWork, clock: Clock) -> UUID:
    """Register an institution; RegonAlreadyRegistered (from the read model's key) if its
    REGON is taken."""
    async with uow:
        state = await uow.find(INSTITUTION, cmd.institution_id)
        events = institution.register(state, cmd, today=clock.today())
        uow.add(INSTITUTION, cmd.institution_id, events)
    log.info(
        "institution.registered",
        institution_id=str(cmd.institution_id),
        district=cmd.details.district,
        category=cmd.details.category.value,
    )
    return cmd.institution_id


async def update_institution(cmd: UpdateInstitution, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(INSTITUTION, cmd.institution_id)
        uow.add(
            INSTITUTION, cmd.institution_id, institution.update(state, cmd, today=clock.today())
        )
    log.info("institution.updated", institution_id=str(cmd.institution_id))
    return cmd.institution_id


async def change_institution(cmd: ChangeInstitution, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(INSTITUTION, cmd.institution_id)
        uow.add(
            INSTITUTION, cmd.institution_id, institution.change(state, cmd, today=clock.today())
        )
    log.info("institution.updated", institution_id=str(cmd.institution_id))
    return cmd.institution_id


async def close_institution(cmd: CloseInstitution, uow: UnitOfWork, clock: Clock) -> UUID:
    async with uow:
        state = await uow.get(INSTITUTION, cmd.institution_id)
        uow.add(INSTITUTION, cmd.institution_id, institution.close(state, cmd, today=clock.today()))
    log.info("institution.closed", institution_id=str(cmd.institution_id))
    return cmd.institution_id
