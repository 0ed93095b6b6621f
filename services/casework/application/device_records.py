"""Records made on an assistant's device (offline): their arrival, and a person's decision on
those held "do wyjaśnienia". Handlers as in handlers.py; the review list as in queries.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from services.casework.domain.case import CASE
from services.casework.domain.caseload import CASELOAD
from services.casework.domain.device import HELD_RECORD, HeldRecord
from services.casework.domain.device import decide as device_rules
from services.casework.domain.device.commands import (
    ApplyHeldRecord,
    DiscardHeldRecord,
    ReceiveDeviceRecord,
)
from shared.domain.clock import Clock
from shared.domain.errors import NotFound
from shared.events import DeviceRecordHeld, HeldRecordApplied, HeldRecordDiscarded
from shared.eventstore.store import EVENT_COLUMNS
from shared.eventstore.tables import events
from shared.eventstore.unit_of_work import UnitOfWork
from shared.runtime.logging import get_logger
from shared.runtime.service import ServiceRuntime

log = get_logger(__name__)


@dataclass(frozen=True)
class DeviceRecordAnswer:
    """What became of one record: applied, held (with the reason) or already there (with
    what became of it the first time)."""

    record_id: UUID
    case_id: UUID
    outcome: str
    reason: str | None = None
    first: str | None = None


@dataclass(frozen=True)
class HeldRecordDecided:
    record_id: UUID
    status: str
    case_id: UUID | None


async def receive_device_record(
    cmd: ReceiveDeviceRecord, uow: UnitOfWork, clock: Clock
) -> DeviceRecordAnswer:
    """A record from the device of an assistant: checked against the case as it is now. The
    record's id is the id of the case's event (or of the held record's stream), so a record
    sent twice, even at once from two tabs, has one effect (the second append conflicts and
    runs again on the fresh state, which holds the record)."""
    today = clock.today()
    async with uow:
        caseload = await uow.get(CASELOAD, cmd.assistant_id)
        case = await uow.get(CASE, cmd.case_id)
        if caseload.district not in case.districts:
            # Never a case of the assistant's centre: nothing to review, nothing to reveal.
            raise NotFound(entity="case", id=cmd.case_id)
        held = await uow.find(HELD_RECORD, cmd.record_id)
        arrival = device_rules.receive(case, held, cmd, district=caseload.district, today=today)
        if arrival.case_events:
            uow.add(CASE, cmd.case_id, arrival.case_events)
        if arrival.held_events:
            uow.add(HELD_RECORD, cmd.record_id, arrival.held_events)
    log.info(
        "device_record.received",
        record_id=str(cmd.record_id),
        case_id=str(cmd.case_id),
        outcome=arrival.outcome.value,
        reason=arrival.reason.value if arrival.reason else None,
    )
    return DeviceRecordAnswer(
        record_id=cmd.record_id,
        case_id=cmd.case_id,
        outcome=arrival.outcome.value,
        reason=arrival.reason.value if arrival.reason else None,
        first=arrival.first,
    )


async def apply_held_record(
    cmd: ApplyHeldRecord, uow: UnitOfWork, clock: Clock
) -> HeldRecordDecided:
    today = clock.today()
    async with uow:
        held = await uow.get(HELD_RECORD, cmd.record_id)
        case = await uow.get(CASE, cmd.case_id)
        case_events, held_events = device_rules.apply_held(held, case, cmd, today=today)
        uow.add(CASE, cmd.case_id, case_events)
        state = uow.add(HELD_RECORD, cmd.record_id, held_events)
    log.info("device_record.applied", record_id=str(cmd.record_id), case_id=str(cmd.case_id))
    return HeldRecordDecided(cmd.record_id, state.status.value, cmd.case_id)


async def discard_held_record(
    cmd: DiscardHeldRecord, uow: UnitOfWork, clock: Clock
) -> HeldRecordDecided:
    async with uow:
        held = await uow.get(HELD_RECORD, cmd.record_id)
        state = uow.add(
            HELD_RECORD,
            cmd.record_id,
            device_rules.discard_held(held, cmd, today=clock.today()),
        )
    log.info("device_record.discarded", record_id=str(cmd.record_id))
    return HeldRecordDecided(cmd.record_id, state.status.value, None)


# The review list ("do wyjaśnienia") -------------------------------------------------------------


async def held_record(runtime: ServiceRuntime, record_id: UUID) -> HeldRecord:
    async with runtime.reads.connect() as conn:
        envelopes = await runtime.store.read_stream(conn, f"{HELD_RECORD.name}-{record_id}")
    state = HELD_RECORD.fold(e.event() for e in envelopes)
    if not state.exists:
        raise NotFound(entity="device_record", id=record_id)
    return state


async def held_records(
    runtime: ServiceRuntime,
    *,
    districts: frozenset[str] | None,
    assistant_id: UUID | None,
    include_decided: bool = False,
) -> list[dict[str, Any]]:
    """The held records of the districts (an assistant: their own), newest first, each with
    the device's time of the record, the server's time of its arrival and any decision."""
    query = select(*EVENT_COLUMNS).where(events.c.aggregate_type == HELD_RECORD.name)
    if districts is not None:
        query = query.where(events.c.district.in_(districts))
    async with runtime.reads.connect() as conn:
        rows = (await conn.execute(query.order_by(events.c.position))).all()
        envelopes = await runtime.store.envelopes(conn, rows) if rows else []
    items: dict[UUID, dict[str, Any]] = {}
    for envelope in envelopes:
        event = envelope.event()
        if isinstance(event, DeviceRecordHeld):
            items[envelope.aggregate_id] = {
                **event.model_dump(),
                "held_at": envelope.recorded_at,
                "status": "held",
                "decided_at": None,
                "decided_by": None,
                "applied_to": None,
                "discard_reason": None,
            }
            continue
        item = items.get(envelope.aggregate_id)
        if item is None:
            continue
        decided: dict[str, Any] = {"decided_at": envelope.recorded_at, "decided_by": envelope.actor}
        if isinstance(event, HeldRecordApplied):
            item.update(decided, status="applied", applied_to=event.case_id)
        elif isinstance(event, HeldRecordDiscarded):
            item.update(decided, status="discarded", discard_reason=event.reason)
    found = [
        item
        for item in items.values()
        if (assistant_id is None or item["assistant_id"] == assistant_id)
        and (include_decided or item["status"] == "held")
    ]
    return sorted(found, key=_newest_first)


def _newest_first(item: dict[str, Any]) -> float:
    held_at: datetime = item["held_at"]
    return -held_at.timestamp()
