"""In-memory fakes of the ports, for unit tests of handlers and reactions that run in
milliseconds: an event log, a unit of work over it and a clock that stands still."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

from shared.domain.aggregate import AggregateType
from shared.domain.clock import FixedClock
from shared.events import DomainEvent, Envelope, stream_id
from shared.eventstore.store import ConcurrencyConflict, EventMetadata
from shared.eventstore.unit_of_work import (
    NOT_REMEMBERED,
    IdempotencyKeyReused,
    TrackingUnitOfWork,
)

S = TypeVar("S")

__all__ = ["FakeUnitOfWork", "FixedClock", "InMemoryEventLog"]


class InMemoryEventLog:
    """Streams of envelopes in memory, with the same version rule as the event store."""

    def __init__(self, clock: FixedClock | None = None) -> None:
        self.clock = clock or FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
        self.streams: dict[str, list[Envelope]] = {}
        self.answers: dict[tuple[str, str], tuple[str, Any]] = {}

    def given(self, kind: AggregateType[Any], aggregate_id: UUID, *events: DomainEvent) -> None:
        """Past events of an aggregate (the 'given' of a test)."""
        state = kind.fold(self.events(kind, aggregate_id))
        state = kind.fold(events, state)
        self.append(
            kind.name,
            aggregate_id,
            kind.district(state),
            kind.family_id(state),
            len(self.streams.get(stream_id(kind.name, aggregate_id), [])),
            list(events),
            EventMetadata(actor="test", correlation_id="given"),
        )

    def events(self, kind: AggregateType[Any], aggregate_id: UUID) -> list[DomainEvent]:
        return [e.event() for e in self.streams.get(stream_id(kind.name, aggregate_id), [])]

    def append(
        self,
        aggregate_type: str,
        aggregate_id: UUID,
        district: str,
        family_id: UUID | None,
        expected_version: int,
        new_events: Sequence[DomainEvent],
        metadata: EventMetadata,
    ) -> list[Envelope]:
        sid = stream_id(aggregate_type, aggregate_id)
        stream = self.streams.setdefault(sid, [])
        if len(stream) != expected_version:
            raise ConcurrencyConflict(sid, expected_version, len(stream))
        now = self.clock.now()
        envelopes = [
            Envelope(
                event_id=uuid.uuid4(),
                event_type=event.event_type,
                schema_version=event.schema_version,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                aggregate_version=expected_version + i,
                family_id=family_id,
                district=district,
                occurred_at=metadata.occurred_at or now,
                recorded_at=now,
                actor=metadata.actor,
                correlation_id=metadata.correlation_id,
                causation_id=metadata.causation_id,
                payload=event.model_dump(mode="json"),
            )
            for i, event in enumerate(new_events, start=1)
        ]
        stream.extend(envelopes)
        return envelopes


class FakeUnitOfWork(TrackingUnitOfWork):
    """A unit of work over an InMemoryEventLog. Commits on a clean exit like the real one;
    `committed` holds every event stored through it, for a test's 'then'."""

    def __init__(
        self, log: InMemoryEventLog | None = None, metadata: EventMetadata | None = None
    ) -> None:
        super().__init__(metadata or EventMetadata(actor="test", correlation_id="test"))
        self.log = log or InMemoryEventLog()
        self.commits = 0

    @property
    def committed(self) -> list[DomainEvent]:
        return [e.event() for e in self.stored]

    def __call__(self, metadata: EventMetadata) -> FakeUnitOfWork:
        """A fresh unit of work on the same log (the factory a CommandRunner takes)."""
        return FakeUnitOfWork(self.log, metadata)

    async def __aenter__(self) -> Self:
        self._depth += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth > 0 or exc is not None:
            return
        changes = self._changes()
        # All or nothing, like a transaction: every version is checked before anything is kept.
        for aggregate_id, tracked in changes:
            sid = stream_id(tracked.kind.name, aggregate_id)
            actual = len(self.log.streams.get(sid, []))
            if actual != tracked.version:
                raise ConcurrencyConflict(sid, tracked.version, actual)
        for aggregate_id, tracked in changes:
            aggregate = self._aggregate(aggregate_id, tracked)
            self._stored.extend(
                self.log.append(
                    aggregate.type,
                    aggregate.id,
                    aggregate.district,
                    aggregate.family_id,
                    tracked.version,
                    tracked.new_events,
                    self.metadata,
                )
            )
        if self._remembered is not None:
            key, fingerprint, result = self._remembered
            self.log.answers[(self.metadata.actor, key)] = (fingerprint, result)
        self.commits += 1

    async def _read(self, kind: AggregateType[S], aggregate_id: UUID) -> tuple[S, int]:
        events = self.log.events(kind, aggregate_id)
        return kind.fold(events), len(events)

    async def recall(self, key: str, fingerprint: str) -> Any:
        answer = self.log.answers.get((self.metadata.actor, key))
        if answer is None:
            return NOT_REMEMBERED
        if answer[0] != fingerprint:
            raise IdempotencyKeyReused(key)
        return answer[1]
