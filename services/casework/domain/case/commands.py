"""What can be asked of a case. The inputs use the value types the request models and the
events use (`shared.domain.values`); the day a command is decided on is never part of it (the
decisions take `today`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from services.casework.domain.case.state import DEFAULT_MONITORING_MONTHS
from shared.domain.values import (
    FreeText,
    LongText,
    PastDate,
    PersonName,
    Reason,
    RequiredFreeText,
    ShortText,
    VisitMinutes,
)
from shared.events import (
    ClosureReason,
    FamilyMember,
    PlanAction,
    ReferralSource,
    VisitPlace,
    VisitTopic,
)


@dataclass(frozen=True, kw_only=True)
class OpenCase:
    case_id: UUID
    referral_id: UUID
    family_id: UUID
    district: str
    source: ReferralSource
    obligatory: bool
    opened_on: date
    members: tuple[FamilyMember, ...]


@dataclass(frozen=True, kw_only=True)
class AssignAssistant:
    case_id: UUID
    assistant_id: UUID


@dataclass(frozen=True, kw_only=True)
class RecordConsent:
    case_id: UUID
    given_on: PastDate
    signed_by: tuple[PersonName, ...]


@dataclass(frozen=True, kw_only=True)
class LogVisit:
    case_id: UUID
    visit_id: UUID
    visited_on: PastDate
    duration_minutes: VisitMinutes
    place: VisitPlace
    present: tuple[PersonName, ...]
    topics: tuple[VisitTopic, ...]
    note: FreeText = ""


@dataclass(frozen=True, kw_only=True)
class UpdatePlan:
    case_id: UUID
    actions: tuple[PlanAction, ...]
    agreed_with_social_worker: ShortText
    foster_care_coordinator: ShortText | None = None
    foster_care_plan_reference: ShortText | None = None


@dataclass(frozen=True, kw_only=True)
class AssessFamily:
    case_id: UUID
    assessed_on: PastDate
    summary: LongText


@dataclass(frozen=True, kw_only=True)
class RequestCourtOpinion:
    case_id: UUID
    request_id: UUID
    court_name: ShortText
    case_signature: ShortText
    requested_on: date
    deadline: date


@dataclass(frozen=True, kw_only=True)
class SubmitCourtOpinion:
    case_id: UUID
    request_id: UUID
    submitted_on: PastDate
    summary: LongText


@dataclass(frozen=True, kw_only=True)
class CloseCase:
    case_id: UUID
    reason: ClosureReason
    closed_on: PastDate | None = None  # today when not given
    note: FreeText = ""
    children_placed_in_foster_care: int = 0
    monitoring_months: int = DEFAULT_MONITORING_MONTHS


@dataclass(frozen=True, kw_only=True)
class ReopenCase:
    case_id: UUID
    reason: RequiredFreeText


@dataclass(frozen=True, kw_only=True)
class EndMonitoring:
    case_id: UUID


@dataclass(frozen=True, kw_only=True)
class TransferCase:
    case_id: UUID
    to_district: str


@dataclass(frozen=True, kw_only=True)
class DecideOnTransfer:
    """The receiving centre's head takes the case over, or declines it with a reason."""

    case_id: UUID
    accepted: bool
    reason: Reason | Literal[""] = ""


@dataclass(frozen=True, kw_only=True)
class LinkReferral:
    case_id: UUID
    referral_id: UUID
    source: ReferralSource
    sender_reference: str | None
    referred_on: date
