"""The unit of work: the one place where an aggregate's state is built and its new events are
stored.

A command handler loads the aggregates it needs, decides, adds the new events and leaves the
`async with` block; the unit of work then appends every aggregate's events at the version it
read (with their outbox rows), runs the inline projections registered for that aggregate type
and commits, all in one transaction. Two aggregates (a case and an assistant's caseload) change
together or not at all. A ConcurrencyConflict means another writer got there first: the command
runner runs the handler again on a fresh unit of work.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, cast
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from shared.domain.aggregate import AggregateType
from shared.domain.clock import Clock
from shared.domain.errors import NotFound
from shared.events import DomainEvent, Envelope, stream_id
from shared.eventstore.snapshots import SnapshotPolicy, SnapshotStore
from shared.eventstore.store import (
    Aggregate,
    ConcurrencyConflict,
    EventMetadata,
    EventStore,
)
from shared.eventstore.tables import idempotency_keys

S = TypeVar("S")

InlineProjection = Callable[[AsyncConnection, UUID, Any, list[Envelope]], Awaitable[None]]
"""A read model kept in the command's transaction: (connection, aggregate id, new state, the
envelopes just stored)."""

NOT_REMEMBERED: Any = object()


class UnitOfWork(Protocol):
    """What a command handler may do with aggregates; the port the handlers' unit tests fake."""

    async def get(self, kind: AggregateType[S], aggregate_id: UUID) -> S:
        """The aggregate's current state; NotFound when it does not exist."""
        ...

    async def find(self, kind: AggregateType[S], aggregate_id: UUID) -> S:
        """The aggregate's current state, the empty state for a stream with no events."""
        ...

    def add(self, kind: AggregateType[S], aggregate_id: UUID, events: Sequence[DomainEvent]) -> S:
        """Record new events of the aggregate (stored at the end of the unit of work); returns
        the state after them."""
        ...

    def version(self, kind: AggregateType[Any], aggregate_id: UUID) -> int:
        """The aggregate's version once the events added to it are stored: the version read
        plus what was added (what a command answers, without reading the stream again)."""
        ...

    @property
    def added(self) -> list[DomainEvent]:
        """Every event added so far, of every aggregate, in the order each was added."""
        ...

    async def recall(self, key: str, fingerprint: str) -> Any:
        """The result remembered for the caller's idempotency key, or NOT_REMEMBERED."""
        ...

    def remember(self, key: str, fingerprint: str, result: Any) -> None:
        """Store `result` for the idempotency key with the command's events."""
        ...

    @property
    def stored(self) -> list[Envelope]:
        """The envelopes stored by this unit of work once it committed."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@cache
def _remember_statement(dialect_name: str) -> Any:
    """INSERT of an idempotency record that does nothing when the key is already stored (or
    being stored by a transaction that then commits), built once per dialect."""
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    return dialect.insert(idempotency_keys).on_conflict_do_nothing()


class IdempotencyKeyReused(Exception):
    """The key was used before for a different command."""


@dataclass
class _Tracked:
    kind: AggregateType[Any]
    state: Any
    version: int
    new_events: list[DomainEvent] = field(default_factory=list)


class TrackingUnitOfWork:
    """The bookkeeping shared by the SQL unit of work and the in-memory fake: which aggregates
    were loaded at which version, and what each gained. Subclasses read and store."""

    def __init__(self, metadata: EventMetadata) -> None:
        self.metadata = metadata
        self._tracked: dict[tuple[str, UUID], _Tracked] = {}
        self._remembered: tuple[str, str, Any] | None = None
        self._depth = 0
        self._stored: list[Envelope] = []

    @property
    def stored(self) -> list[Envelope]:
        return self._stored

    async def _read(self, kind: AggregateType[S], aggregate_id: UUID) -> tuple[S, int]:
        raise NotImplementedError

    async def find(self, kind: AggregateType[S], aggregate_id: UUID) -> S:
        tracked = self._tracked.get((kind.name, aggregate_id))
        if tracked is None:
            state, version = await self._read(kind, aggregate_id)
            tracked = _Tracked(kind, state, version)
            self._tracked[(kind.name, aggregate_id)] = tracked
        return cast(S, tracked.state)

    async def get(self, kind: AggregateType[S], aggregate_id: UUID) -> S:
        state = await self.find(kind, aggregate_id)
        if not kind.exists(state):
            raise NotFound(entity=kind.entity, id=aggregate_id)
        return state

    def add(self, kind: AggregateType[S], aggregate_id: UUID, events: Sequence[DomainEvent]) -> S:
        tracked = self._tracked.get((kind.name, aggregate_id))
        if tracked is None:
            # Never read: a new stream. Appending at version 0 fails if it exists after all.
            tracked = _Tracked(kind, kind.initial(), 0)
            self._tracked[(kind.name, aggregate_id)] = tracked
        tracked.state = kind.fold(events, tracked.state)
        tracked.new_events.extend(events)
        return cast(S, tracked.state)

    def version(self, kind: AggregateType[Any], aggregate_id: UUID) -> int:
        tracked = self._tracked.get((kind.name, aggregate_id))
        if tracked is None:
            raise KeyError(f"{kind.name} {aggregate_id} was neither read nor added")
        return tracked.version + len(tracked.new_events)

    @property
    def added(self) -> list[DomainEvent]:
        return [event for t in self._tracked.values() for event in t.new_events]

    def remember(self, key: str, fingerprint: str, result: Any) -> None:
        self._remembered = (key, fingerprint, result)

    def _changes(self) -> list[tuple[UUID, _Tracked]]:
        return [(aid, t) for (_, aid), t in self._tracked.items() if t.new_events]

    def _families(self) -> set[UUID]:
        return {
            family for _, t in self._changes() if (family := t.kind.family_id(t.state)) is not None
        }

    def _aggregate(self, aggregate_id: UUID, tracked: _Tracked) -> Aggregate:
        kind = tracked.kind
        return Aggregate(
            kind.name, aggregate_id, kind.district(tracked.state), kind.family_id(tracked.state)
        )


class SqlUnitOfWork(TrackingUnitOfWork):
    """The unit of work on a service's database. Re-entrant: only the outermost `async with`
    commits, so the command runner can wrap a handler's own block and store the idempotency
    record in the same transaction."""

    def __init__(
        self,
        engine: AsyncEngine,
        store: EventStore,
        metadata: EventMetadata,
        *,
        projections: Mapping[str, Sequence[InlineProjection]] | None = None,
        on_commit: Callable[[], None] | None = None,
        snapshots: SnapshotPolicy | None = None,
    ) -> None:
        super().__init__(metadata)
        self._engine = engine
        self._store = store
        self._projections = projections or {}
        self._on_commit = on_commit
        self._transaction: AsyncTransaction | None = None
        self._connection: AsyncConnection | None = None
        self._snapshot_policy = (
            snapshots if snapshots is not None else SnapshotPolicy.from_environment()
        )
        self._snapshots = SnapshotStore(store.keyring, store.clock)
        self.events_read = 0
        """Events folded by this unit of work (what snapshots save; the tests count it)."""

    @property
    def connection(self) -> AsyncConnection:
        """The transaction's connection, for read models a handler consults (adapters only)."""
        if self._connection is None:
            raise RuntimeError("the unit of work is not open")
        return self._connection

    async def __aenter__(self) -> Self:
        self._depth += 1
        if self._depth == 1:
            self._connection = await self._engine.connect()
            self._transaction = await self._connection.begin()
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
        if self._transaction is None or self._connection is None:
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
            await self._connection.close()
            self._connection = self._transaction = None
        if exc is None and self._on_commit is not None and self._stored:
            self._on_commit()

    async def _read(self, kind: AggregateType[S], aggregate_id: UUID) -> tuple[S, int]:
        # The one place a state is folded: from its snapshot when there is one that can be
        # trusted, with the events after it; from the whole stream otherwise.
        conn, sid = self.connection, stream_id(kind.name, aggregate_id)
        if self._snapshot_policy.enabled:
            snapshot, rows = await self._snapshots.read_with_stream(conn, kind, sid)
            envelopes = await self._store.envelopes(conn, rows) if rows else []
        else:
            snapshot, envelopes = None, await self._store.read_stream(conn, sid)
        after = snapshot.version if snapshot is not None else 0
        self.events_read += len(envelopes)
        start = cast(S, snapshot.state) if snapshot is not None else None
        state = kind.fold((e.event() for e in envelopes), start)
        return state, (envelopes[-1].aggregate_version if envelopes else after)

    async def _flush(self) -> None:
        conn = self.connection
        for aggregate_id, tracked in self._changes():
            aggregate = self._aggregate(aggregate_id, tracked)
            new_version = tracked.version + len(tracked.new_events)
            due = self._snapshot_policy.due(tracked.version, new_version)
            if due:
                # In the append's own statement where it can be (one round trip fewer).
                envelopes, snapshotted = await self._store.append_with_snapshot(
                    conn,
                    aggregate,
                    tracked.version,
                    tracked.new_events,
                    self.metadata,
                    self._snapshots.pending(tracked.kind, tracked.state, aggregate.family_id),
                )
            else:
                envelopes = await self._store.append(
                    conn, aggregate, tracked.version, tracked.new_events, self.metadata
                )
                snapshotted = False
            self._stored.extend(envelopes)
            if due and not snapshotted:
                await self._snapshots.write(
                    conn,
                    tracked.kind,
                    stream_id(tracked.kind.name, aggregate_id),
                    tracked.state,
                    new_version,
                    tracked.kind.family_id(tracked.state),
                )
            for project in self._projections.get(tracked.kind.name, ()):
                await project(conn, aggregate_id, tracked.state, envelopes)
        if self._remembered is not None:
            key, fingerprint, result = self._remembered
            families = self._families()
            # ON CONFLICT DO NOTHING rather than a savepoint around a plain INSERT: two round
            # trips fewer per command.
            stored = await conn.execute(
                _remember_statement(conn.dialect.name),
                {
                    "actor": self.metadata.actor,
                    "key": key,
                    "fingerprint": fingerprint,
                    "result": result,
                    "family_id": next(iter(families)) if len(families) == 1 else None,
                    "recorded_at": self._store.clock.now(),
                },
            )
            if not stored.rowcount:
                # The same key is being used by a request running at the same time: run again,
                # and the retry answers what the first one stored.
                raise ConcurrencyConflict(f"idempotency:{key}", 0, None)

    async def recall(self, key: str, fingerprint: str) -> Any:
        row = (
            await self.connection.execute(
                select(idempotency_keys.c.fingerprint, idempotency_keys.c.result).where(
                    idempotency_keys.c.actor == self.metadata.actor,
                    idempotency_keys.c.key == key,
                )
            )
        ).first()
        if row is None:
            return NOT_REMEMBERED
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused(key)
        return row.result


async def forget_family_answers(conn: AsyncConnection, family_id: UUID) -> None:
    """Erasure: remembered answers may hold the family's personal data."""
    await conn.execute(delete(idempotency_keys).where(idempotency_keys.c.family_id == family_id))


@dataclass
class UnitOfWorkFactory:
    """Builds a service's SQL unit of work for one command's metadata."""

    engine: AsyncEngine
    store: EventStore
    projections: Mapping[str, Sequence[InlineProjection]] = field(default_factory=dict)
    on_commit: Callable[[], None] | None = None
    snapshots: SnapshotPolicy | None = None

    def __call__(self, metadata: EventMetadata) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            self.store,
            metadata,
            projections=self.projections,
            on_commit=self.on_commit,
            snapshots=self.snapshots,
        )


__all__ = [
    "NOT_REMEMBERED",
    "Clock",
    "IdempotencyKeyReused",
    "InlineProjection",
    "SqlUnitOfWork",
    "TrackingUnitOfWork",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "forget_family_answers",
]
