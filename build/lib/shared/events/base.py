"""The event contract every service shares: a domain event and the envelope it travels in.

A domain event is a small, frozen fact in the past tense. It carries only what the aggregate
decided. The envelope adds who, when, where and why (ids, versions, district, actor,
correlation) and is what the event store keeps and what the bus carries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.districts import DistrictCode


class DomainEvent(BaseModel):
    """Base of every event. Subclasses are registered by class name, once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.event_type = cls.__name__
        if cls.__name__ in EVENT_TYPES:
            raise TypeError(f"event {cls.__name__} is defined twice")
        EVENT_TYPES[cls.__name__] = cls


EVENT_TYPES: dict[str, type[DomainEvent]] = {}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_UPCASTERS: dict[tuple[str, int], Upcaster] = {}

F = TypeVar("F", bound=Upcaster)


def upcaster(event_type: str, from_version: int) -> Callable[[F], F]:
    """Register a function turning a payload of `from_version` into `from_version + 1`."""

    def register(fn: F) -> F:
        key = (event_type, from_version)
        if key in _UPCASTERS:
            raise TypeError(f"two upcasters for {event_type} v{from_version}")
        _UPCASTERS[key] = fn
        return fn

    return register


class UnknownEventType(LookupError):
    pass


def upcast(event_type: str, schema_version: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored payload up to the event's current schema, one version at a time."""
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        raise UnknownEventType(event_type)
    version = schema_version
    while version < cls.schema_version:
        step = _UPCASTERS.get((event_type, version))
        if step is None:
            raise LookupError(f"no upcaster for {event_type} v{version}")
        payload = step(dict(payload))
        version += 1
    return payload


class Envelope(BaseModel):
    """An event as stored and as sent on the bus.

    `aggregate_version` is the position of the event in its aggregate's stream, from 1, without
    gaps: consumers use it to apply each aggregate's events in order and exactly once.
    `payload` is kept as stored; `event()` upcasts and validates it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    event_type: str
    schema_version: int = Field(ge=1)
    aggregate_type: str
    aggregate_id: UUID
    aggregate_version: int = Field(ge=1)
    family_id: UUID | None = None  # whose personal data the payload may hold (crypto-shredding)
    district: DistrictCode
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    correlation_id: str
    causation_id: str | None = None
    payload: dict[str, Any]

    @property
    def stream_id(self) -> str:
        return stream_id(self.aggregate_type, self.aggregate_id)

    def event(self) -> DomainEvent:
        """The typed event, upcast to the current schema."""
        cls = EVENT_TYPES.get(self.event_type)
        if cls is None:
            raise UnknownEventType(self.event_type)
        return cls.model_validate(upcast(self.event_type, self.schema_version, self.payload))


def stream_id(aggregate_type: str, aggregate_id: UUID) -> str:
    return f"{aggregate_type}-{aggregate_id}"
