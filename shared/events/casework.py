"""Events of the casework service: a family's case and an assistant's caseload."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.domain.districts import DistrictCode
from shared.domain.values import (
    FreeText,
    LongText,
    PersonName,
    Reason,
    RequiredFreeText,
    ShortText,
    VisitMinutes,
)
from shared.events.base import DomainEvent, upcaster
from shared.events.family import FamilyMember, ReferralSource

CASELOAD_LIMIT = 15
"""Art. 15 ust. 4: an assistant works with at most 15 families at once."""

# A device's own identifier (made by the browser once, kept on the device).
DeviceId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]

# Who signed or was present: a bounded list of bounded names (personal, encrypted per family).
Names = Annotated[tuple[PersonName, ...], Field(max_length=20)]


class CaseStatus(StrEnum):
    """Where a case stands. Part of the contract: the events that change it carry the status
    after them, so a consumer (reporting) records the fact instead of restating the rules."""

    WAITING = "waiting"  # granted, no assistant yet: on the waiting list
    ACTIVE = "active"  # an assistant works with the family (counts against the limit)
    MONITORING = "monitoring"  # work ended; the assistant watches for a while
    CLOSED = "closed"
    TRANSFER_PENDING = "transfer_pending"  # moved; the new centre's head has not decided


class CaseOpened(DomainEvent):
    referral_id: UUID
    family_id: UUID
    district: DistrictCode
    source: ReferralSource
    obligatory: bool
    opened_on: date
    members: tuple[FamilyMember, ...] = Field(min_length=1)
    # The status after each status-changing event; events stored before the field existed
    # read with the only status the event could lead to.
    status: CaseStatus = CaseStatus.WAITING


class AssistantAssigned(DomainEvent):
    family_id: UUID
    assistant_id: UUID
    previous_assistant_id: UUID | None = None
    assigned_on: date
    status: CaseStatus = CaseStatus.ACTIVE


class VisitTopic(StrEnum):
    BUDGET = "budget"
    HOUSEHOLD = "household"
    PARENTING = "parenting"
    HEALTH_HYGIENE = "health_hygiene"
    SCHOOL = "school"
    JOB_SEARCH = "job_search"
    OFFICIAL_MATTERS = "official_matters"
    LEISURE = "leisure"


class VisitPlace(StrEnum):
    HOME = "home"
    CENTRE = "centre"
    SCHOOL = "school"
    OTHER = "other"


class VisitLogged(DomainEvent):
    """v2: `topics` became a list of known topics (v1 stored one comma-separated string)."""

    schema_version = 2

    visit_id: UUID
    assistant_id: UUID
    visited_on: date
    duration_minutes: VisitMinutes
    place: VisitPlace
    present: Names = ()
    topics: tuple[VisitTopic, ...] = Field(min_length=1)
    note: FreeText = ""
    # Recorded on a device (offline): the device's time of the visit and the device's id;
    # the server's time of recording is the envelope's `recorded_at`.
    visited_at: datetime | None = None
    device_id: DeviceId | None = None


@upcaster("VisitLogged", from_version=1)
def _visit_topics_as_list(payload: dict[str, Any]) -> dict[str, Any]:
    raw = payload.pop("topics", "") or ""
    payload["topics"] = [t.strip() for t in raw.split(",") if t.strip()]
    return payload


class PlanAction(BaseModel):
    """One action of the work plan: what, by when, and what it should change (art. 15 ust. 3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[RequiredFreeText, Field(max_length=2000)]
    deadline: date
    expected_effect: Annotated[RequiredFreeText, Field(max_length=2000)]


class PlanUpdated(DomainEvent):
    """A new version of the work plan; earlier versions stay in the stream. Where a child is in
    foster care, the plan is coordinated with the foster-care coordinator's plan."""

    plan_version: int = Field(ge=1)
    actions: tuple[PlanAction, ...] = Field(min_length=1)
    agreed_with_social_worker: Annotated[ShortText, Field(max_length=200)]
    updated_on: date
    foster_care_coordinator: Annotated[ShortText, Field(max_length=200)] | None = None
    foster_care_plan_reference: Annotated[ShortText, Field(max_length=200)] | None = None


class FamilyConsentRecorded(DomainEvent):
    """The family's written consent to work with an assistant (not needed on obligatory
    routes)."""

    given_on: date
    signed_by: Annotated[Names, Field(min_length=1)]
    # A consent signed on paper and recorded on a device (offline): the device record's id.
    record_id: UUID | None = None
    device_id: DeviceId | None = None


class WorkStarted(DomainEvent):
    """Work with the family began: an assistant is assigned and, unless the route is
    obligatory, the family consented. The first assessment is due 6 months later."""

    started_on: date
    next_assessment_due: date


class FamilySituationAssessed(DomainEvent):
    """The periodic assessment of the family's situation, passed to the head (art. 15 ust. 1
    pkt 15); the next is due at most 6 months later."""

    assessed_on: date
    summary: LongText
    submitted_to_head_on: date
    next_assessment_due: date


class CourtOpinionRequested(DomainEvent):
    """A family court asked for the assistant's opinion on the family (pkt 14)."""

    request_id: UUID
    court_name: ShortText
    case_signature: Annotated[ShortText, Field(max_length=100)]
    requested_on: date
    deadline: date


class CourtOpinionSubmitted(DomainEvent):
    request_id: UUID
    submitted_on: date
    summary: LongText


class ClosureReason(StrEnum):
    """Why work ended: the statutory report's reasons, then the others a centre records."""

    GOALS_ACHIEVED = "goals_achieved"
    NO_COOPERATION_OR_NO_EFFECTS = "no_cooperation_or_no_effects"
    CHANGE_OF_METHOD = "change_of_method"
    MOVED_AWAY = "moved_away"
    CHILD_PLACED_IN_FOSTER_CARE = "child_placed_in_foster_care"
    OTHER = "other"


class CaseClosed(DomainEvent):
    """Work ended: monitoring follows (`monitoring_until`) or the case is closed for good."""

    reason: ClosureReason
    closed_on: date
    note: FreeText = ""
    children_placed_in_foster_care: int = Field(0, ge=0, le=30)
    monitoring_until: date | None = None
    status: CaseStatus

    @model_validator(mode="before")
    @classmethod
    def _status_of_older_events(cls, data: Any) -> Any:
        # Stored before the status was recorded: it followed from the monitoring period.
        if isinstance(data, dict) and "status" not in data:
            monitored = data.get("monitoring_until") is not None
            return {**data, "status": CaseStatus.MONITORING if monitored else CaseStatus.CLOSED}
        return data


class CaseReopened(DomainEvent):
    """Reopened during monitoring after closure (art. 15 ust. 1 pkt 16)."""

    reopened_on: date
    reason: RequiredFreeText
    status: CaseStatus = CaseStatus.WAITING


class MonitoringEnded(DomainEvent):
    ended_on: date
    status: CaseStatus = CaseStatus.CLOSED


class CaseTransferred(DomainEvent):
    """The family moved to another district: the case and its history go to that centre,
    whose head decides again."""

    from_district: DistrictCode
    to_district: DistrictCode
    transferred_on: date
    status: CaseStatus = CaseStatus.TRANSFER_PENDING


class TransferAccepted(DomainEvent):
    decided_on: date
    status: CaseStatus = CaseStatus.WAITING


class TransferDeclined(DomainEvent):
    decided_on: date
    reason: Reason
    status: CaseStatus = CaseStatus.CLOSED


class FurtherReferralReceived(DomainEvent):
    """Another referral about a family whose case is active: linked to the case, not opened
    again."""

    referral_id: UUID
    source: ReferralSource
    sender_reference: str | None = None
    referred_on: date


class CaseloadOpened(DomainEvent):
    """An assistant's caseload exists once the directory registered the assistant."""

    district: DistrictCode
    limit: int = CASELOAD_LIMIT
    # The assistant's name as the directory registered it (staff data, in clear), so lists
    # show names; events stored before the field read as "" (the list then shows the id).
    assistant_name: str = Field("", max_length=201)


class CaseloadSuspended(DomainEvent):
    """The assistant stopped working (the directory deactivated them): no new families."""

    since: date


class CaseloadResumed(DomainEvent):
    since: date


class CaseAddedToCaseload(DomainEvent):
    case_id: UUID


class CaseRemovedFromCaseload(DomainEvent):
    case_id: UUID


class PlanNoteAdded(DomainEvent):
    """A note to the family's work plan, written by the assistant (on a device, offline or
    not); the plan's versions stay as they are."""

    note_id: UUID
    assistant_id: UUID
    written_on: date
    written_at: datetime | None = None
    note: RequiredFreeText
    device_id: DeviceId | None = None


# Records made on a device (offline) that no longer applied when they arrived -----------------


class DeviceRecordKind(StrEnum):
    VISIT = "visit"
    PLAN_NOTE = "plan_note"
    CONSENT = "consent"


class HoldReason(StrEnum):
    """Why a record from a device was not applied on arrival and waits for a person."""

    BEFORE_CASE_OPENED = "before_case_opened"  # dated before the case began
    CASE_CLOSED = "case_closed"  # closed (or in monitoring) meanwhile
    CASE_TRANSFERRED = "case_transferred"  # moved to another centre meanwhile
    NOT_ASSIGNED = "not_assigned"  # the assistant no longer works with the family
    DATED_IN_FUTURE = "dated_in_future"  # the device's clock is ahead of the server's


class DeviceRecordContent(BaseModel):
    """What was recorded on the device: a visit, a note to the plan or a consent signed on
    paper. `happened_at` is the device's date-time of it (local time of the device)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: DeviceRecordKind
    happened_on: date
    happened_at: datetime | None = None
    duration_minutes: VisitMinutes | None = None
    place: VisitPlace | None = None
    present: Names = ()
    topics: tuple[VisitTopic, ...] = ()
    note: FreeText = ""
    signed_by: Names = ()


class DeviceRecordHeld(DomainEvent):
    """A record from a device was not applied to its case on arrival and not dropped: it waits
    "do wyjaśnienia" for the assistant or the head to apply it to the right case or discard it."""

    record_id: UUID
    device_id: DeviceId
    case_id: UUID
    case_version: int = Field(ge=0)
    assistant_id: UUID
    district: DistrictCode  # the assistant's centre, whose head reviews it
    family_id: UUID  # whose personal data the content holds
    reason: HoldReason
    content: DeviceRecordContent


class HeldRecordApplied(DomainEvent):
    """A person applied a held record to a case (its own, e.g. after reopening, or another)."""

    record_id: UUID
    case_id: UUID
    applied_on: date


class HeldRecordDiscarded(DomainEvent):
    record_id: UUID
    discarded_on: date
    reason: Reason
