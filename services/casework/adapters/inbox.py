"""Casework's subscriptions: the reactions run inside the inbox's transaction, so an event is
recorded as handled exactly when its effect is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection

from services.casework.adapters.tables import assistant_logins
from services.casework.application.case_index import erase_family
from services.casework.application.reactions import react
from shared.domain.clock import Clock
from shared.events import Envelope, FamilyDataErased
from shared.eventstore.runner import CommandRunner
from shared.eventstore.store import EventMetadata, EventStore
from shared.eventstore.unit_of_work import InlineProjection, SqlUnitOfWork
from shared.runtime.assistant_logins import LOGIN_EVENTS, project_login
from shared.runtime.logging import get_logger

log = get_logger(__name__)


class InboxUnitOfWork(SqlUnitOfWork):
    """A unit of work on the inbox's open transaction: it stores at a savepoint, so a conflict
    rolls back only this try (the runner then runs the handler again on the fresh state) and
    the inbox commits the effect with its own record of the event."""

    def __init__(
        self,
        conn: AsyncConnection,
        store: EventStore,
        metadata: EventMetadata,
        *,
        projections: Mapping[str, Sequence[InlineProjection]],
    ) -> None:
        super().__init__(conn.engine, store, metadata, projections=projections)
        self._outer = conn

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self._connection = self._outer
            self._transaction = await self._outer.begin_nested()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        if self._transaction is None:
            raise RuntimeError("the unit of work was left without being entered")
        try:
            if exc is None:
                await self._flush()
                await self._transaction.commit()
            else:
                await self._transaction.rollback()
        except BaseException:
            await self._transaction.rollback()
            raise
        finally:
            self._connection = self._transaction = None


class CaseworkSubscriptions:
    """The inbox's handler for the referrals and directory streams."""

    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        projections: Mapping[str, Sequence[InlineProjection]],
    ) -> None:
        self._store = store
        self._clock = clock
        self._projections = projections
        # Effects on the store itself rather than commands on an aggregate.
        self._effects: dict[str, Callable[[AsyncConnection, Envelope], Awaitable[None]]] = {
            FamilyDataErased.event_type: self._erase_family,
        }

    def runner(self, conn: AsyncConnection) -> CommandRunner[Any]:
        return CommandRunner(
            lambda metadata: InboxUnitOfWork(
                conn, self._store, metadata, projections=self._projections
            ),
            self._clock,
        )

    async def __call__(self, conn: AsyncConnection, envelope: Envelope) -> None:
        effect = self._effects.get(envelope.event_type)
        if effect is not None:
            await effect(conn, envelope)
            return
        if envelope.event_type in LOGIN_EVENTS:
            await project_login(conn, assistant_logins, envelope)
        await react(envelope, self.runner(conn))

    async def _erase_family(self, conn: AsyncConnection, envelope: Envelope) -> None:
        # Destroying the key erases the family's personal data in every stored event.
        if self._store.keyring is None:
            raise RuntimeError("casework stores personal data: its event store needs a keyring")
        await self._store.keyring.erase(conn, envelope.aggregate_id, envelope.recorded_at)
        # And the names, contact details and search digests kept in the read models.
        await erase_family(conn, envelope.aggregate_id)
        log.info("family.erased", family_id=str(envelope.aggregate_id))
