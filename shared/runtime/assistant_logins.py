"""Which assistant signs in with which login: a small read model kept by each service that
must tell whether a caller is a case's assistant, fed by the directory's events (the
directory keeps a login to one assistant; see services/directory/domain/assistant).

A token names its holder by their login at the identity provider; the service resolves it to
the assistant's id here (shared/web/authentication.py), so no one carries an internal id in a
token. A token whose subject is the assistant's id itself still works (development tokens)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from sqlalchemy import Column, MetaData, String, Table, Uuid, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import Envelope
from shared.events.directory import AssistantLoginChanged, AssistantRegistered

AssistantLookup = Callable[[str], Awaitable[UUID | None]]
"""A login -> the id of the assistant who signs in with it, or None."""

LOGIN_EVENTS = frozenset({AssistantRegistered.event_type, AssistantLoginChanged.event_type})


def logins_table(metadata: MetaData) -> Table:
    """The read model's table, in a service's own metadata."""
    return Table(
        "assistant_logins",
        metadata,
        Column("assistant_id", Uuid, primary_key=True),
        Column("login", String(64), nullable=False, unique=True),
    )


async def project_login(conn: AsyncConnection, table: Table, envelope: Envelope) -> None:
    """Apply a directory event that sets an assistant's login (others pass through)."""
    if envelope.event_type not in LOGIN_EVENTS:
        return
    event = envelope.event()
    if not isinstance(event, AssistantRegistered | AssistantLoginChanged):
        return
    await conn.execute(delete(table).where(table.c.assistant_id == envelope.aggregate_id))
    if event.login is None:
        return
    # The directory gave the login to this assistant after its last holder let it go; events
    # of two assistants may arrive in either order, so the newer link replaces the older.
    await conn.execute(delete(table).where(table.c.login == event.login))
    await conn.execute(insert(table).values(assistant_id=envelope.aggregate_id, login=event.login))


def lookup_in(engine: Callable[[], AsyncEngine], table: Table) -> AssistantLookup:
    """The lookup over `table` (the engine is read at each call: a test may replace it)."""

    async def assistant_of(login: str) -> UUID | None:
        async with engine().connect() as conn:
            found: UUID | None = (
                await conn.execute(
                    select(table.c.assistant_id).where(table.c.login == login.strip().lower())
                )
            ).scalar()
        return found

    return assistant_of
