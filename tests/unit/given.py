"""Given/when/then for aggregates: given past events, when a command, then events or an error."""

from __future__ import annotations

from typing import TypeVar

from shared.domain.aggregate import AggregateType
from shared.events import DomainEvent

S = TypeVar("S")


def given(kind: AggregateType[S], *events: DomainEvent) -> S:
    return kind.fold(events)
