"""The caseload's rule: an assistant works with at most 15 families at once (art. 15 ust. 4),
"Za życiem" families included, only with families of their own centre's district, and takes
no new family once they stopped working for the centre.

Every assignment appends to this stream with its expected version, so two concurrent
assignments cannot both take the last place: one of them conflicts and decides again.
"""

from __future__ import annotations

from datetime import date

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
from services.casework.domain.caseload.state import Caseload
from shared.events import (
    CaseAddedToCaseload,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseRemovedFromCaseload,
    DomainEvent,
)


def open_caseload(state: Caseload, cmd: OpenCaseload, *, today: date) -> list[DomainEvent]:
    del today  # the directory's registration dates it
    if state.exists:
        return []
    return [CaseloadOpened(district=cmd.district, assistant_name=cmd.name)]


def take(state: Caseload, cmd: TakeCase, *, today: date) -> list[DomainEvent]:
    del today
    if not state.active:
        raise AssistantNotWorking()
    if state.district != cmd.case_district:
        raise AssistantOfAnotherDistrict(
            assistant_district=state.district, district=cmd.case_district
        )
    if cmd.case_id in state.cases:
        return []
    if len(state.cases) >= state.limit:
        raise CaseloadLimitReached(active=len(state.cases), limit=state.limit)
    return [CaseAddedToCaseload(case_id=cmd.case_id)]


def release(state: Caseload, cmd: ReleaseCase, *, today: date) -> list[DomainEvent]:
    del today
    if cmd.case_id not in state.cases:
        return []
    return [CaseRemovedFromCaseload(case_id=cmd.case_id)]


def suspend(state: Caseload, cmd: SuspendCaseload, *, today: date) -> list[DomainEvent]:
    del today  # the directory says since when
    return [CaseloadSuspended(since=cmd.since)] if state.exists and state.active else []


def resume(state: Caseload, cmd: ResumeCaseload, *, today: date) -> list[DomainEvent]:
    del today
    return [CaseloadResumed(since=cmd.since)] if state.exists and not state.active else []
