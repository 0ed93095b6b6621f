"""Given/when/then for casework's handlers: past events in an in-memory log, a command run by
its handler on a fake unit of work, then the events it stored (or a refusal)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from services.casework.domain.case import CASE
from services.casework.domain.caseload import CASELOAD
from shared.domain.clock import FixedClock
from shared.events import (
    AssistantAssigned,
    CaseAddedToCaseload,
    CaseloadOpened,
    CaseOpened,
    DomainEvent,
    FamilyConsentRecorded,
    FamilyMember,
    ReferralSource,
    WorkStarted,
)
from shared.eventstore.unit_of_work import UnitOfWork
from shared.testing import FakeUnitOfWork, InMemoryEventLog

R = TypeVar("R")

OCHOTA, WOLA = "1465068", "1465188"
TODAY = date(2026, 3, 2)
CLOCK = FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
FAMILY = uuid.UUID("00000000-0000-0000-0000-0000000000f1")
MEMBERS = (FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"),)


def opened(source: ReferralSource = ReferralSource.SCHOOL) -> CaseOpened:
    return CaseOpened(
        referral_id=uuid.uuid4(),
        family_id=FAMILY,
        district=OCHOTA,
        source=source,
        obligatory=source.is_obligatory,
        opened_on=date(2026, 1, 10),
        members=MEMBERS,
    )


def assigned(assistant_id: uuid.UUID) -> AssistantAssigned:
    return AssistantAssigned(
        family_id=FAMILY, assistant_id=assistant_id, assigned_on=date(2026, 1, 12)
    )


CONSENT = FamilyConsentRecorded(given_on=date(2026, 1, 15), signed_by=("Anna Nowak",))
STARTED = WorkStarted(started_on=date(2026, 1, 15), next_assessment_due=date(2026, 7, 15))


class World:
    """An in-memory event log with cases and caseloads in it."""

    def __init__(self) -> None:
        self.log = InMemoryEventLog(clock=CLOCK)

    def case(self, *events: DomainEvent) -> uuid.UUID:
        case_id = uuid.uuid4()
        self.log.given(CASE, case_id, *events)
        return case_id

    def caseload(self, *case_ids: uuid.UUID, district: str = OCHOTA) -> uuid.UUID:
        assistant_id = uuid.uuid4()
        self.log.given(
            CASELOAD,
            assistant_id,
            CaseloadOpened(district=district),
            *(CaseAddedToCaseload(case_id=c) for c in case_ids),
        )
        return assistant_id

    def working_case(self) -> tuple[uuid.UUID, uuid.UUID]:
        """A case an assistant works on (consent given), and that assistant."""
        case_id = uuid.uuid4()
        assistant_id = self.caseload(case_id)
        self.log.given(CASE, case_id, opened(), assigned(assistant_id), CONSENT, STARTED)
        return case_id, assistant_id

    async def when(
        self, handler: Callable[[Any, UnitOfWork, FixedClock], Awaitable[R]], command: Any
    ) -> tuple[R, list[DomainEvent]]:
        """Run the handler; its answer and the events it stored."""
        uow = FakeUnitOfWork(self.log)
        result = await handler(command, uow, CLOCK)
        return result, uow.committed

    def events(self, kind: Any, aggregate_id: uuid.UUID) -> list[DomainEvent]:
        return self.log.events(kind, aggregate_id)
