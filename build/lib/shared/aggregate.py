"""Loading an aggregate's state from its stream: a left fold of `evolve` over its events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import DomainEvent, Envelope, stream_id
from shared.eventstore import EventStore

S = TypeVar("S")


@dataclass(frozen=True)
class AggregateType(Generic[S]):
    """How to rebuild one kind of aggregate: its stream prefix, empty state and evolve."""

    name: str
    initial: Callable[[], S]
    evolve: Callable[[S, DomainEvent], S]

    def fold(self, events: Iterable[DomainEvent]) -> S:
        state = self.initial()
        for event in events:
            state = self.evolve(state, event)
        return state

    async def load(
        self, conn: AsyncConnection, store: EventStore, aggregate_id: UUID
    ) -> tuple[S, int, list[Envelope]]:
        """The current state, its version (0 if the stream is empty) and the envelopes."""
        envelopes = await store.read_stream(conn, stream_id(self.name, aggregate_id))
        state = self.fold(e.event() for e in envelopes)
        version = envelopes[-1].aggregate_version if envelopes else 0
        return state, version, envelopes
