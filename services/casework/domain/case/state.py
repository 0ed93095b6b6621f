"""A case's state: what its rules need to know, folded from its events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from shared.events import ClosureReason, ReferralSource
from shared.events.casework import CaseStatus

ASSESSMENT_INTERVAL_MONTHS = 6
DEFAULT_MONITORING_MONTHS = 6


@dataclass(frozen=True)
class CourtRequest:
    request_id: UUID
    deadline: date
    submitted_on: date | None = None


@dataclass(frozen=True)
class Case:
    exists: bool = False
    district: str = ""
    family_id: UUID | None = None
    referral_id: UUID | None = None
    source: ReferralSource | None = None
    obligatory: bool = False
    status: CaseStatus = CaseStatus.WAITING
    assistant_id: UUID | None = None
    opened_on: date | None = None
    plan_version: int = 0
    last_visit_on: date | None = None
    consent_on: date | None = None
    work_started_on: date | None = None
    next_assessment_due: date | None = None
    last_assessed_on: date | None = None
    court_requests: tuple[CourtRequest, ...] = ()
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    monitoring_until: date | None = None
    monitoring_assistant_id: UUID | None = None
    districts: tuple[str, ...] = ()  # every centre the case was with, in order
    records: frozenset[UUID] = frozenset()  # ids of the visits, notes and device consents

    def assessment_overdue(self, today: date) -> bool:
        return (
            self.status is CaseStatus.ACTIVE
            and self.next_assessment_due is not None
            and self.next_assessment_due < today
        )
