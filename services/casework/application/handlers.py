"""Casework's command handlers: one named function per command, the same for a route, a
reaction to another service's event, a periodic job or a test.

Each loads what it needs through the unit of work, decides with the domain's rules on
`clock.today()`, and adds the new events; the unit of work stores them (a case and an
assistant's caseload in one transaction, each at the version it read) and runs the inline
projections. A handler answers with what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from uuid import UUID

from services.casework.domain.case import CASE, Case
from services.casework.domain.case import decide as case_rules
from services.casework.domain.case.commands import (
    AssessFamily,
    AssignAssistant,
    CloseCase,
    DecideOnTransfer,
    EndMonitoring,
    LinkReferral,
    LogVisit,
    OpenCase,
    RecordConsent,
    ReopenCase,
    RequestCourtOpinion,
    SubmitCourtOpinion,
    TransferCase,
    UpdatePlan,
)
from services.casework.domain.caseload import CASELOAD
from services.casework.domain.caseload import decide as caseload_rules
from services.casework.domain.caseload.commands import (
    OpenCaseload,
    ReleaseCase,
    ResumeCaseload,
    SuspendCaseload,
    TakeCase,
)
from services.casework.domain.caseload.errors import (
    AssistantNotWorking,
    AssistantOfAnotherDistrict,
    CaseloadLimitReached,
)
from shared.domain.clock import Clock
from shared.domain.errors import NotFound
from shared.events import DomainEvent
from shared.events.casework import CaseStatus
from shared.eventstore.unit_of_work import UnitOfWork
from shared.runtime.logging import get_logger

log = get_logger(__name__)

C = TypeVar("C")


@dataclass(frozen=True)
class CaseChanged:
    """The answer to a command on a case: which case, where it stands now, its version after
    the command, the types of the events the command stored (a caseload's too, for an
    assignment) and the id of what it created, if it created something. Built from what the
    unit of work already holds: answering costs no read of the case's history."""

    case_id: UUID
    status: CaseStatus
    version: int
    events: tuple[str, ...]
    visit_id: UUID | None = None
    request_id: UUID | None = None


@dataclass(frozen=True)
class CaseloadChanged:
    assistant_id: UUID
    active: bool
    families: int


def _changed(
    uow: UnitOfWork,
    case_id: UUID,
    state: Case,
    *,
    visit_id: UUID | None = None,
    request_id: UUID | None = None,
) -> CaseChanged:
    return CaseChanged(
        case_id=case_id,
        status=state.status,
        version=uow.version(CASE, case_id),
        events=tuple(event.event_type for event in uow.added),
        visit_id=visit_id,
        request_id=request_id,
    )


async def _on_case(
    cmd: C,
    case_id: UUID,
    decide: Callable[..., list[DomainEvent]],
    uow: UnitOfWork,
    today: date,
    *,
    visit_id: UUID | None = None,
    request_id: UUID | None = None,
) -> CaseChanged:
    """A command on the case alone; `visit_id`, `request_id`: what it created, if anything."""
    async with uow:
        case = await uow.get(CASE, case_id)
        state = uow.add(CASE, case_id, decide(case, cmd, today=today))
    return _changed(uow, case_id, state, visit_id=visit_id, request_id=request_id)


async def _release(uow: UnitOfWork, assistant_id: UUID | None, case_id: UUID, today: date) -> None:
    """The case leaves its assistant's caseload (closure, transfer, reassignment)."""
    if assistant_id is None:
        return
    caseload = await uow.get(CASELOAD, assistant_id)
    cmd = ReleaseCase(assistant_id=assistant_id, case_id=case_id)
    uow.add(CASELOAD, assistant_id, caseload_rules.release(caseload, cmd, today=today))


async def _take(
    uow: UnitOfWork, assistant_id: UUID, case_id: UUID, district: str, today: date
) -> None:
    caseload = await uow.get(CASELOAD, assistant_id)
    cmd = TakeCase(assistant_id=assistant_id, case_id=case_id, case_district=district)
    uow.add(CASELOAD, assistant_id, caseload_rules.take(caseload, cmd, today=today))


# Commands on a case -----------------------------------------------------------------------


async def open_case(cmd: OpenCase, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    async with uow:
        case = await uow.find(CASE, cmd.case_id)
        state = uow.add(CASE, cmd.case_id, case_rules.open_case(case, cmd, today=clock.today()))
    log.info("case.opened", case_id=str(cmd.case_id), district=cmd.district)
    return _changed(uow, cmd.case_id, state)


async def assign_assistant(cmd: AssignAssistant, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    """Assign (or reassign) the case: the case, the new assistant's caseload and the previous
    assistant's caseload change together, so the limit of 15 holds under concurrency."""
    today = clock.today()
    async with uow:
        case = await uow.get(CASE, cmd.case_id)
        events = case_rules.assign(case, cmd, today=today)
        await _take(uow, cmd.assistant_id, cmd.case_id, case.district, today)
        await _release(uow, case.assistant_id, cmd.case_id, today)
        state = uow.add(CASE, cmd.case_id, events)
    log.info("case.assigned", case_id=str(cmd.case_id), assistant_id=str(cmd.assistant_id))
    return _changed(uow, cmd.case_id, state)


async def record_consent(cmd: RecordConsent, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.record_consent, uow, clock.today())


async def log_visit(cmd: LogVisit, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(
        cmd, cmd.case_id, case_rules.log_visit, uow, clock.today(), visit_id=cmd.visit_id
    )


async def update_plan(cmd: UpdatePlan, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.update_plan, uow, clock.today())


async def assess_family(cmd: AssessFamily, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.assess, uow, clock.today())


async def request_court_opinion(
    cmd: RequestCourtOpinion, uow: UnitOfWork, clock: Clock
) -> CaseChanged:
    return await _on_case(
        cmd,
        cmd.case_id,
        case_rules.request_court_opinion,
        uow,
        clock.today(),
        request_id=cmd.request_id,
    )


async def submit_court_opinion(
    cmd: SubmitCourtOpinion, uow: UnitOfWork, clock: Clock
) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.submit_court_opinion, uow, clock.today())


async def close_case(cmd: CloseCase, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    today = clock.today()
    async with uow:
        case = await uow.get(CASE, cmd.case_id)
        events = case_rules.close(case, cmd, today=today)
        await _release(uow, case.assistant_id, cmd.case_id, today)
        state = uow.add(CASE, cmd.case_id, events)
    log.info("case.closed", case_id=str(cmd.case_id), reason=cmd.reason.value)
    return _changed(uow, cmd.case_id, state)


async def reopen_case(cmd: ReopenCase, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    """Reopen during monitoring; the assistant who monitored takes the family back if they
    still can (a free place, the same district, still at work), else the family waits."""
    today = clock.today()
    async with uow:
        case = await uow.get(CASE, cmd.case_id)
        events = case_rules.reopen(case, cmd, today=today)
        assistant_id = case.monitoring_assistant_id
        if assistant_id is not None:
            try:
                await _take(uow, assistant_id, cmd.case_id, case.district, today)
                reopened = CASE.fold(events, case)
                back = AssignAssistant(case_id=cmd.case_id, assistant_id=assistant_id)
                events += case_rules.assign(reopened, back, today=today)
            except (
                CaseloadLimitReached,
                AssistantOfAnotherDistrict,
                AssistantNotWorking,
                NotFound,
            ) as refused:
                log.info(
                    "case.reopened_to_waiting_list", case_id=str(cmd.case_id), code=refused.code
                )
        state = uow.add(CASE, cmd.case_id, events)
    log.info("case.reopened", case_id=str(cmd.case_id), status=state.status.value)
    return _changed(uow, cmd.case_id, state)


async def end_monitoring(cmd: EndMonitoring, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.end_monitoring, uow, clock.today())


async def transfer_case(cmd: TransferCase, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    today = clock.today()
    async with uow:
        case = await uow.get(CASE, cmd.case_id)
        events = case_rules.transfer(case, cmd, today=today)
        await _release(uow, case.assistant_id, cmd.case_id, today)
        state = uow.add(CASE, cmd.case_id, events)
    log.info("case.transferred", case_id=str(cmd.case_id), to_district=cmd.to_district)
    return _changed(uow, cmd.case_id, state)


async def decide_on_transfer(cmd: DecideOnTransfer, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.decide_on_transfer, uow, clock.today())


async def link_referral(cmd: LinkReferral, uow: UnitOfWork, clock: Clock) -> CaseChanged:
    return await _on_case(cmd, cmd.case_id, case_rules.link_referral, uow, clock.today())


# Commands on an assistant's caseload (from the directory's events) ------------------------


async def _on_caseload(
    cmd: C,
    assistant_id: UUID,
    decide: Callable[..., list[DomainEvent]],
    uow: UnitOfWork,
    today: date,
) -> CaseloadChanged:
    async with uow:
        caseload = await uow.find(CASELOAD, assistant_id)
        state = uow.add(CASELOAD, assistant_id, decide(caseload, cmd, today=today))
    log.info("caseload.changed", assistant_id=str(assistant_id), active=state.active)
    return CaseloadChanged(
        assistant_id=assistant_id, active=state.active, families=len(state.cases)
    )


async def open_caseload(cmd: OpenCaseload, uow: UnitOfWork, clock: Clock) -> CaseloadChanged:
    return await _on_caseload(
        cmd, cmd.assistant_id, caseload_rules.open_caseload, uow, clock.today()
    )


async def suspend_caseload(cmd: SuspendCaseload, uow: UnitOfWork, clock: Clock) -> CaseloadChanged:
    return await _on_caseload(cmd, cmd.assistant_id, caseload_rules.suspend, uow, clock.today())


async def resume_caseload(cmd: ResumeCaseload, uow: UnitOfWork, clock: Clock) -> CaseloadChanged:
    return await _on_caseload(cmd, cmd.assistant_id, caseload_rules.resume, uow, clock.today())
