"""Running a decision against one aggregate: load, decide, append; again on a conflict."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.aggregate import AggregateType
from shared.errors import ConcurrentChange
from shared.events import DomainEvent, Envelope
from shared.eventstore import Aggregate, ConcurrencyConflict, EventMetadata
from shared.runtime import ServiceRuntime

S = TypeVar("S")

AfterAppend = Callable[[AsyncConnection, S, list[Envelope]], Awaitable[None]]


async def execute(
    runtime: ServiceRuntime,
    kind: AggregateType[S],
    aggregate_id: UUID,
    *,
    decide: Callable[[S], list[DomainEvent]],
    district: Callable[[S], str],
    metadata: EventMetadata,
    family_id: Callable[[S], UUID | None] | None = None,
    after_append: AfterAppend[S] | None = None,
    attempts: int = 5,
) -> tuple[S, list[Envelope]]:
    """Apply `decide` to the aggregate's current state and store what it returns.

    A ConcurrencyConflict (someone appended in between) re-reads and decides again, so the
    rule is always checked against the latest state; after `attempts` tries the caller gets
    ConcurrentChange. `family_id` names the family whose personal data the events may hold
    (encrypted with its key). `after_append` runs in the same transaction (inline read models).
    Returns the new state and the stored envelopes.
    """
    for _ in range(attempts):
        try:
            async with runtime.transaction() as conn:
                state, version, _ = await kind.load(conn, runtime.store, aggregate_id)
                new_events = decide(state)
                for event in new_events:
                    state = kind.evolve(state, event)
                envelopes = await runtime.store.append(
                    conn,
                    Aggregate(
                        kind.name,
                        aggregate_id,
                        district(state),
                        family_id(state) if family_id else None,
                    ),
                    version,
                    new_events,
                    metadata,
                )
                if after_append is not None and envelopes:
                    await after_append(conn, state, envelopes)
            return state, envelopes
        except ConcurrencyConflict:
            continue
    raise ConcurrentChange()


T = TypeVar("T")


async def transact(
    runtime: ServiceRuntime,
    work: Callable[[AsyncConnection], Awaitable[T]],
    *,
    attempts: int = 10,
    retry_on: tuple[type[Exception], ...] = (ConcurrencyConflict,),
) -> T:
    """Run `work` in one transaction; if another writer got there first (a conflict on an
    expected version, or a unique key taken meanwhile), run it again on the fresh state."""
    for _ in range(attempts):
        try:
            async with runtime.transaction() as conn:
                return await work(conn)
        except retry_on:
            continue
    raise ConcurrentChange()
