"""The assistant's and the head's commands on a case.

Commands that touch one case go through `shared.commands.execute`. Those that also change an
assistant's caseload (assignment, closure, reopening, transfer) change both in one
transaction, each stream at its expected version, so the limit of 15 holds under concurrency.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from services.casework.application.case_index import project_case, project_caseload
from services.casework.domain import case as rules
from services.casework.domain import caseload as caseload_rules
from services.casework.domain.case import CASE, Case, CaseStatus
from services.casework.domain.caseload import CASELOAD, CaseloadLimitReached
from shared.commands import execute, transact
from shared.errors import NotFound
from shared.events import DomainEvent
from shared.eventstore import Aggregate, EventMetadata, EventStore
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)

T = TypeVar("T")


def existing(case_id: UUID, state: Case) -> Case:
    if not state.exists:
        raise NotFound(entity="case", id=case_id)
    return state


async def _append_case(
    conn: AsyncConnection,
    store: EventStore,
    case_id: UUID,
    state: Case,
    version: int,
    new_events: list[DomainEvent],
    metadata: EventMetadata,
) -> Case:
    for event in new_events:
        state = CASE.evolve(state, event)
    stored = await store.append(
        conn,
        Aggregate(CASE.name, case_id, state.district, state.family_id),
        version,
        new_events,
        metadata,
    )
    await project_case(conn, state, stored)
    return state


async def _change_caseload(
    conn: AsyncConnection,
    store: EventStore,
    assistant_id: UUID,
    decide: Callable[[caseload_rules.Caseload], list[DomainEvent]],
    metadata: EventMetadata,
) -> None:
    caseload, version, _ = await CASELOAD.load(conn, store, assistant_id)
    if not caseload.exists:
        raise NotFound(entity="assistant", id=assistant_id)
    new_events = decide(caseload)
    if not new_events:
        return
    await store.append(
        conn,
        Aggregate(CASELOAD.name, assistant_id, caseload.district),
        version,
        new_events,
        metadata,
    )
    for event in new_events:
        caseload = CASELOAD.evolve(caseload, event)
    await project_caseload(conn, caseload, assistant_id)


async def _release(
    conn: AsyncConnection,
    store: EventStore,
    assistant_id: UUID | None,
    case_id: UUID,
    metadata: EventMetadata,
) -> None:
    if assistant_id is not None:
        await _change_caseload(
            conn,
            store,
            assistant_id,
            lambda c: caseload_rules.release(c, case_id=case_id),
            metadata,
        )


async def assign_assistant(
    runtime: ServiceRuntime, case_id: UUID, *, assistant_id: UUID, metadata: EventMetadata
) -> Case:
    """Assign (or reassign) the case: the case, the new assistant's caseload and the previous
    assistant's caseload change together."""
    store, today = runtime.store, runtime.clock.today()

    async def work(conn: AsyncConnection) -> Case:
        case, version, _ = await CASE.load(conn, store, case_id)
        new_events = rules.assign(
            existing(case_id, case),
            rules.AssignAssistant(assistant_id=assistant_id, assigned_on=today),
        )
        await _change_caseload(
            conn,
            store,
            assistant_id,
            lambda c: caseload_rules.take(c, case_id=case_id, case_district=case.district),
            metadata,
        )
        await _release(conn, store, case.assistant_id, case_id, metadata)
        return await _append_case(conn, store, case_id, case, version, new_events, metadata)

    state = await transact(runtime, work)
    log.info("case.assigned", case_id=str(case_id), assistant_id=str(assistant_id))
    return state


async def change_case(
    runtime: ServiceRuntime,
    case_id: UUID,
    decide: Callable[[Case], list[DomainEvent]],
    metadata: EventMetadata,
) -> Case:
    """A command on the case alone."""
    state, _ = await execute(
        runtime,
        CASE,
        case_id,
        decide=lambda s: decide(existing(case_id, s)),
        district=lambda s: s.district,
        family_id=lambda s: s.family_id,
        metadata=metadata,
        after_append=project_case,
    )
    return state


async def close_case(
    runtime: ServiceRuntime, case_id: UUID, *, command: rules.CloseCase, metadata: EventMetadata
) -> Case:
    store, today = runtime.store, runtime.clock.today()

    async def work(conn: AsyncConnection) -> Case:
        case, version, _ = await CASE.load(conn, store, case_id)
        new_events = rules.close(existing(case_id, case), command, today=today)
        await _release(conn, store, case.assistant_id, case_id, metadata)
        return await _append_case(conn, store, case_id, case, version, new_events, metadata)

    state = await transact(runtime, work)
    log.info("case.closed", case_id=str(case_id), reason=command.reason.value)
    return state


async def reopen_case(
    runtime: ServiceRuntime, case_id: UUID, *, reason: str, metadata: EventMetadata
) -> Case:
    """Reopen during monitoring; the assistant who monitored takes the family back if they
    have a free place, else the family waits for an assistant."""
    store, today = runtime.store, runtime.clock.today()

    async def work(conn: AsyncConnection) -> Case:
        case, version, _ = await CASE.load(conn, store, case_id)
        new_events = rules.reopen(
            existing(case_id, case), rules.ReopenCase(reopened_on=today, reason=reason)
        )
        reopened = case
        for event in new_events:
            reopened = CASE.evolve(reopened, event)
        assistant_id = case.monitoring_assistant_id
        if assistant_id is not None:
            try:
                await _change_caseload(
                    conn,
                    store,
                    assistant_id,
                    lambda c: caseload_rules.take(c, case_id=case_id, case_district=case.district),
                    metadata,
                )
                new_events += rules.assign(
                    reopened, rules.AssignAssistant(assistant_id=assistant_id, assigned_on=today)
                )
            except (CaseloadLimitReached, caseload_rules.AssistantOfAnotherDistrict, NotFound):
                log.info("case.reopened_to_waiting_list", case_id=str(case_id))
        return await _append_case(conn, store, case_id, case, version, new_events, metadata)

    state = await transact(runtime, work)
    log.info("case.reopened", case_id=str(case_id), status=state.status.value)
    return state


async def transfer_case(
    runtime: ServiceRuntime, case_id: UUID, *, to_district: str, metadata: EventMetadata
) -> Case:
    store, today = runtime.store, runtime.clock.today()

    async def work(conn: AsyncConnection) -> Case:
        case, version, _ = await CASE.load(conn, store, case_id)
        new_events = rules.transfer(
            existing(case_id, case),
            rules.TransferCase(to_district=to_district, transferred_on=today),
        )
        await _release(conn, store, case.assistant_id, case_id, metadata)
        return await _append_case(conn, store, case_id, case, version, new_events, metadata)

    state = await transact(runtime, work)
    log.info("case.transferred", case_id=str(case_id), to_district=to_district)
    return state


async def end_expired_monitoring(runtime: ServiceRuntime, case_ids: list[UUID]) -> int:
    """Close the monitoring of cases whose period has passed; returns how many ended."""
    today = runtime.clock.today()
    ended = 0
    for case_id in case_ids:
        state = await change_case(
            runtime,
            case_id,
            lambda s: rules.end_monitoring(s, today=today),
            EventMetadata(actor="system:monitoring", correlation_id=f"monitoring-{today}"),
        )
        ended += state.status is CaseStatus.CLOSED
    return ended
