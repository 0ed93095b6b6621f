"""Personal fields on the bus, sealed with the family's bus key (a real Redis)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

import pytest

from shared.events import Envelope, FamilyDataErased, VisitLogged, VisitPlace, VisitTopic
from shared.messaging.bus import Bus
from shared.messaging.sealing import BusKeyMissing
from shared.messaging.streams import bus_key_name

pytestmark = pytest.mark.integration

NOTE = "Pani Kowalska mówi o długach"


def visit(family_id: uuid.UUID, version: int = 1) -> Envelope:
    event = VisitLogged(
        visit_id=uuid.uuid4(),
        assistant_id=uuid.uuid4(),
        visited_on=date(2026, 11, 2),
        duration_minutes=40,
        place=VisitPlace.HOME,
        present=("Anna Kowalska",),
        topics=(VisitTopic.PARENTING,),
        note=NOTE,
    )
    now = datetime.now(UTC)
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type="case",
        aggregate_id=uuid.uuid4(),
        aggregate_version=version,
        family_id=family_id,
        district="1465068",
        occurred_at=now,
        recorded_at=now,
        actor="t",
        correlation_id="c",
        payload=event.model_dump(mode="json"),
    )


def erasure(family_id: uuid.UUID) -> Envelope:
    event = FamilyDataErased(erased_on=date(2026, 11, 3), reason="upływ okresu")
    base = visit(family_id)
    return base.model_copy(
        update={
            "event_type": event.event_type,
            "aggregate_type": "family",
            "aggregate_id": family_id,
            "family_id": None,
            "payload": event.model_dump(mode="json"),
        }
    )


@pytest.fixture
async def bus(redis_url: str, stream_prefix: str) -> Bus:
    return Bus(redis_url, prefix=stream_prefix)


async def test_sealed_on_the_bus_opened_by_a_consumer_unreadable_once_erased(bus: Bus) -> None:
    family = uuid.uuid4()
    original = visit(family)
    (sealed,) = await bus.keys.seal([original])
    on_the_wire = sealed.model_dump_json()
    assert NOTE not in on_the_wire and "Kowalska" not in on_the_wire
    assert sealed.payload["duration_minutes"] == 40  # what is not personal stays readable
    stored = await bus.redis.get(bus_key_name(bus.prefix, family))
    assert stored is not None and len(stored) > 32  # wrapped, not the key itself

    keys = await bus.keys.keys_for([sealed])
    assert bus.keys.open(sealed, keys).payload == original.payload
    error = await bus.keys.seal_text(family, f"ValueError: {NOTE}")
    assert NOTE not in error and await bus.keys.open_text(error) == f"ValueError: {NOTE}"

    # Publishing the family's erasure destroys the key first.
    await bus.keys.seal([erasure(family)])
    assert await bus.redis.get(bus_key_name(bus.prefix, family)) == b"erased"
    opened = bus.keys.open(sealed, await bus.keys.keys_for([sealed]))
    assert opened.payload["note"] == "[usunięto]"
    assert opened.payload["present"] == ["[usunięto]"]
    assert VisitLogged.model_validate(opened.payload).duration_minutes == 40
    assert await bus.keys.open_text(error) == "[usunięto]"
    # Nothing of the family is sealed with a live key again.
    (later,) = await bus.keys.seal([visit(family, 2)])
    assert json.dumps(later.payload).count('"$enc": ""') == 2


async def test_a_sealed_event_whose_key_redis_lost_is_not_applied_as_erased(bus: Bus) -> None:
    family = uuid.uuid4()
    (sealed,) = await bus.keys.seal([visit(family)])
    await bus.redis.delete(bus_key_name(bus.prefix, family))  # as after a FLUSHALL
    with pytest.raises(BusKeyMissing):
        bus.keys.open(sealed, await bus.keys.keys_for([sealed]))
