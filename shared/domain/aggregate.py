"""An aggregate's type: how to rebuild its state from its events, and what the event store must
know of that state to append to its stream (its district, whose family's data it holds)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from shared.events import DomainEvent

S = TypeVar("S")


def _no_family(_state: object) -> UUID | None:
    return None


def _always(_state: object) -> bool:
    return True


@dataclass(frozen=True)
class AggregateType(Generic[S]):
    """One kind of aggregate: its stream prefix, empty state and evolve.

    `district` and `family_id` read from a state what an append records in the envelope;
    `exists` tells an empty stream from a real aggregate, and `entity` names it in a NotFound.
    """

    name: str
    initial: Callable[[], S]
    evolve: Callable[[S, DomainEvent], S]
    district: Callable[[S], str]
    entity: str
    exists: Callable[[S], bool] = _always
    family_id: Callable[[S], UUID | None] = _no_family

    def fold(self, events: Iterable[DomainEvent], state: S | None = None) -> S:
        """The state after `events`, from `state` (the empty state when not given)."""
        current = self.initial() if state is None else state
        for event in events:
            current = self.evolve(current, event)
        return current
