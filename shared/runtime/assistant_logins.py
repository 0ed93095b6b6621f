"""Which assistant signs in with which login: a small read model kept by each service that
must tell whether a caller is a case's assistant, fed by the directory's events (the
directory keeps a login to one assistant; see services/directory/domain/assistant).

A token names its holder by their login at the identity provider; the service resolves it to
the assistant's id here (shared/web/authentication.py), so no one carries an internal id in a
token. A token whose subject is the assistant's id itself still works (development tokens)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

from sqlalchemy import (
    Column,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    delete,
    insert,
    or_,
    select,
)
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


async def project_logins(
    conn: AsyncConnection, table: Table, links: Sequence[tuple[UUID, str | None]]
) -> None:
    """Apply a batch's logins, each (assistant, login or None) as an event set it, in their
    order: the table ends as `project_login` applied to each in turn would leave it, in two
    statements instead of up to three per event. Each event drops its assistant's row and its
    login's row: so every stored row of an assistant or a login of the batch goes, and the
    rows the batch ends with, folded here in order, are inserted."""
    if not links:
        return
    holder: dict[str, UUID] = {}  # login -> assistant, as the batch leaves them
    login_of: dict[UUID, str] = {}
    for assistant_id, login in links:
        dropped = login_of.pop(assistant_id, None)
        if dropped is not None:
            del holder[dropped]
        if login is None:
            continue
        previous = holder.pop(login, None)
        if previous is not None:
            del login_of[previous]
        holder[login] = assistant_id
        login_of[assistant_id] = login
    assistants = sorted({assistant_id for assistant_id, _ in links})
    logins = sorted({login for _, login in links if login is not None})
    await conn.execute(
        delete(table).where(or_(table.c.assistant_id.in_(assistants), table.c.login.in_(logins)))
    )
    if login_of:
        await conn.execute(
            insert(table),
            [
                {"assistant_id": assistant_id, "login": login}
                for assistant_id, login in login_of.items()
            ],
        )


def lookup_in(engine: Callable[[], AsyncEngine], table: Table) -> AssistantLookup:
    """The lookup over `table` (the engine is read at each call: a test may replace it)."""

    # Built once: it runs on every request of an assistant (a statement built per call costs
    # its construction and its cache key each time).
    query = select(table.c.assistant_id).where(table.c.login == bindparam("login"))

    async def assistant_of(login: str) -> UUID | None:
        async with engine().connect() as conn:
            found: UUID | None = (
                await conn.execute(query, {"login": login.strip().lower()})
            ).scalar()
        return found

    return assistant_of
