"""The event store: append at an expected version with the outbox rows, read, encrypt personal
fields per family; the unit of work and the command runner on top of it."""

from shared.eventstore.store import Aggregate, ConcurrencyConflict, EventMetadata, EventStore
from shared.eventstore.tables import kernel_metadata

__all__ = ["Aggregate", "ConcurrencyConflict", "EventMetadata", "EventStore", "kernel_metadata"]
