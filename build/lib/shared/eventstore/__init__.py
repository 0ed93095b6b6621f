from shared.eventstore.store import Aggregate, ConcurrencyConflict, EventMetadata, EventStore
from shared.eventstore.tables import kernel_metadata

__all__ = ["Aggregate", "ConcurrencyConflict", "EventMetadata", "EventStore", "kernel_metadata"]
