"""The assistant's and the head's commands on a case, and the case file."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from services.casework.adapters.tables import cases
from services.casework.application.case_index import project_case
from services.casework.domain import case as case_rules
from services.casework.domain import caseload as caseload_rules
from services.casework.domain.case import CASE, AssignAssistant, Case, LogVisit, UpdatePlan
from services.casework.domain.caseload import CASELOAD
from shared.commands import execute
from shared.errors import ConcurrentChange, NotFound
from shared.events import (
    AssistantAssigned,
    CaseOpened,
    DomainEvent,
    PlanUpdated,
    VisitLogged,
)
from shared.eventstore import Aggregate, ConcurrencyConflict, EventMetadata
from shared.logging import get_logger
from shared.runtime import ServiceRuntime

log = get_logger(__name__)


def _existing(case_id: UUID, state: Case) -> Case:
    if not state.exists:
        raise NotFound(entity="case", id=case_id)
    return state


async def assign_assistant(
    runtime: ServiceRuntime,
    case_id: UUID,
    *,
    assistant_id: UUID,
    metadata: EventMetadata,
    attempts: int = 10,
) -> Case:
    """Assign (or reassign) the case to an assistant: the case, the new assistant's caseload
    and the previous assistant's caseload change in one transaction, each at its expected
    version, so the caseload limit holds under concurrent assignments."""
    store = runtime.store
    today = runtime.clock.today()
    for _ in range(attempts):
        try:
            async with runtime.transaction() as conn:
                case, case_version, _ = await CASE.load(conn, store, case_id)
                _existing(case_id, case)
                case_events = case_rules.assign(
                    case, AssignAssistant(assistant_id=assistant_id, assigned_on=today)
                )
                caseload, caseload_version, _ = await CASELOAD.load(conn, store, assistant_id)
                if not caseload.exists:
                    raise NotFound(entity="assistant", id=assistant_id)
                taken = caseload_rules.take(caseload, case_id=case_id, case_district=case.district)
                await store.append(
                    conn,
                    Aggregate(CASELOAD.name, assistant_id, caseload.district),
                    caseload_version,
                    taken,
                    metadata,
                )
                if case.assistant_id is not None:
                    previous, previous_version, _ = await CASELOAD.load(
                        conn, store, case.assistant_id
                    )
                    await store.append(
                        conn,
                        Aggregate(CASELOAD.name, case.assistant_id, previous.district),
                        previous_version,
                        caseload_rules.release(previous, case_id=case_id),
                        metadata,
                    )
                stored = await store.append(
                    conn,
                    Aggregate(CASE.name, case_id, case.district),
                    case_version,
                    case_events,
                    metadata,
                )
                for event in case_events:
                    case = CASE.evolve(case, event)
                await project_case(conn, case, stored)
            log.info("case.assigned", case_id=str(case_id), assistant_id=str(assistant_id))
            return case
        except ConcurrencyConflict:
            continue
    raise ConcurrentChange()


async def log_visit(
    runtime: ServiceRuntime, case_id: UUID, *, command: LogVisit, metadata: EventMetadata
) -> Case:
    today = runtime.clock.today()
    state, _ = await execute(
        runtime,
        CASE,
        case_id,
        decide=lambda s: case_rules.log_visit(_existing(case_id, s), command, today=today),
        district=lambda s: s.district,
        metadata=metadata,
        after_append=project_case,
    )
    log.info("visit.logged", case_id=str(case_id), visit_id=str(command.visit_id))
    return state


async def update_plan(
    runtime: ServiceRuntime, case_id: UUID, *, command: UpdatePlan, metadata: EventMetadata
) -> Case:
    def decide(state: Case) -> list[DomainEvent]:
        return case_rules.update_plan(_existing(case_id, state), command)

    state, _ = await execute(
        runtime,
        CASE,
        case_id,
        decide=decide,
        district=lambda s: s.district,
        metadata=metadata,
        after_append=project_case,
    )
    log.info("plan.updated", case_id=str(case_id), plan_version=state.plan_version)
    return state


async def case_file(runtime: ServiceRuntime, case_id: UUID) -> dict[str, Any]:
    """Everything recorded on the case, for the people allowed to read it."""
    async with runtime.engine.connect() as conn:
        state, version, envelopes = await CASE.load(conn, runtime.store, case_id)
    _existing(case_id, state)
    members: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    visits: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    for envelope in envelopes:
        event = envelope.event()
        match event:
            case CaseOpened():
                members = [m.model_dump() for m in event.members]
            case AssistantAssigned():
                assignments.append(
                    {
                        "assistant_id": event.assistant_id,
                        "previous_assistant_id": event.previous_assistant_id,
                        "assigned_on": event.assigned_on,
                        "assigned_by": envelope.actor,
                    }
                )
            case VisitLogged():
                visits.append({**event.model_dump(), "recorded_by": envelope.actor})
            case PlanUpdated():
                plans.append({**event.model_dump(), "recorded_by": envelope.actor})
    return {
        "case_id": case_id,
        "referral_id": state.referral_id,
        "family_id": state.family_id,
        "district": state.district,
        "source": state.source,
        "obligatory": state.obligatory,
        "status": state.status,
        "opened_on": state.opened_on,
        "assistant_id": state.assistant_id,
        "members": members,
        "assignments": assignments,
        "visits": visits,
        "plan": plans[-1] if plans else None,
        "plan_history": plans,
        "version": version,
    }


async def list_cases(
    runtime: ServiceRuntime,
    *,
    district: str | None = None,
    referral_id: UUID | None = None,
    assistant_id: UUID | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    query = select(cases)
    if district:
        query = query.where(cases.c.district == district)
    if referral_id:
        query = query.where(cases.c.referral_id == referral_id)
    if assistant_id:
        query = query.where(cases.c.assistant_id == assistant_id)
    if status:
        query = query.where(cases.c.status == status)
    async with runtime.engine.connect() as conn:
        rows = await conn.execute(query.order_by(cases.c.opened_on, cases.c.case_id))
        return [dict(row._mapping) for row in rows]
