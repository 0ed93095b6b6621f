"""Events of the casework service: a family's case and an assistant's caseload."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.districts import DistrictCode
from shared.events.base import DomainEvent, upcaster
from shared.events.family import FamilyMember, ReferralSource
from shared.events.personal import PERSONAL, PersonalText

CASELOAD_LIMIT = 15
"""Art. 15 ust. 4: an assistant works with at most 15 families at once."""


class CaseOpened(DomainEvent):
    referral_id: UUID
    family_id: UUID
    district: DistrictCode
    source: ReferralSource
    obligatory: bool
    opened_on: date
    members: tuple[FamilyMember, ...] = Field(min_length=1)


class AssistantAssigned(DomainEvent):
    family_id: UUID
    assistant_id: UUID
    previous_assistant_id: UUID | None = None
    assigned_on: date


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
    duration_minutes: int = Field(gt=0, le=12 * 60)
    place: VisitPlace
    present: tuple[PersonalText, ...] = ()
    topics: tuple[VisitTopic, ...] = Field(min_length=1)
    note: Annotated[str, Field(max_length=4000), PERSONAL] = ""


@upcaster("VisitLogged", from_version=1)
def _visit_topics_as_list(payload: dict[str, Any]) -> dict[str, Any]:
    raw = payload.pop("topics", "") or ""
    payload["topics"] = [t.strip() for t in raw.split(",") if t.strip()]
    return payload


class PlanAction(BaseModel):
    """One action of the work plan: what, by when, and what it should change (art. 15 ust. 3)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: Annotated[str, Field(min_length=1, max_length=2000), PERSONAL]
    deadline: date
    expected_effect: Annotated[str, Field(min_length=1, max_length=2000), PERSONAL]


class PlanUpdated(DomainEvent):
    """A new version of the work plan; earlier versions stay in the stream. Where a child is in
    foster care, the plan is coordinated with the foster-care coordinator's plan."""

    plan_version: int = Field(ge=1)
    actions: tuple[PlanAction, ...] = Field(min_length=1)
    agreed_with_social_worker: str = Field(min_length=1, max_length=200)
    updated_on: date
    foster_care_coordinator: str | None = Field(None, max_length=200)
    foster_care_plan_reference: str | None = Field(None, max_length=200)


class FamilyConsentRecorded(DomainEvent):
    """The family's written consent to work with an assistant (not needed on obligatory
    routes)."""

    given_on: date
    signed_by: tuple[PersonalText, ...] = Field(min_length=1)


class WorkStarted(DomainEvent):
    """Work with the family began: an assistant is assigned and, unless the route is
    obligatory, the family consented. The first assessment is due 6 months later."""

    started_on: date
    next_assessment_due: date


class FamilySituationAssessed(DomainEvent):
    """The periodic assessment of the family's situation, passed to the head (art. 15 ust. 1
    pkt 15); the next is due at most 6 months later."""

    assessed_on: date
    summary: Annotated[str, Field(min_length=1, max_length=8000), PERSONAL]
    submitted_to_head_on: date
    next_assessment_due: date


class CourtOpinionRequested(DomainEvent):
    """A family court asked for the assistant's opinion on the family (pkt 14)."""

    request_id: UUID
    court_name: str = Field(min_length=1, max_length=300)
    case_signature: str = Field(min_length=1, max_length=100)
    requested_on: date
    deadline: date


class CourtOpinionSubmitted(DomainEvent):
    request_id: UUID
    submitted_on: date
    summary: Annotated[str, Field(min_length=1, max_length=8000), PERSONAL]


class ClosureReason(StrEnum):
    """Why work ended: the statutory report's reasons, then the others a centre records."""

    GOALS_ACHIEVED = "goals_achieved"
    NO_COOPERATION_OR_NO_EFFECTS = "no_cooperation_or_no_effects"
    CHANGE_OF_METHOD = "change_of_method"
    MOVED_AWAY = "moved_away"
    CHILD_PLACED_IN_FOSTER_CARE = "child_placed_in_foster_care"
    OTHER = "other"


class CaseClosed(DomainEvent):
    reason: ClosureReason
    closed_on: date
    note: Annotated[str, Field(max_length=4000), PERSONAL] = ""
    children_placed_in_foster_care: int = Field(0, ge=0)
    monitoring_until: date | None = None


class CaseReopened(DomainEvent):
    """Reopened during monitoring after closure (art. 15 ust. 1 pkt 16)."""

    reopened_on: date
    reason: Annotated[str, Field(min_length=1, max_length=4000), PERSONAL]


class MonitoringEnded(DomainEvent):
    ended_on: date


class CaseTransferred(DomainEvent):
    """The family moved to another district: the case and its history go to that centre,
    whose head decides again."""

    from_district: DistrictCode
    to_district: DistrictCode
    transferred_on: date


class TransferAccepted(DomainEvent):
    decided_on: date


class TransferDeclined(DomainEvent):
    decided_on: date
    reason: str = Field(min_length=1, max_length=2000)


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


class CaseloadSuspended(DomainEvent):
    """The assistant stopped working (the directory deactivated them): no new families."""

    since: date


class CaseloadResumed(DomainEvent):
    since: date


class CaseAddedToCaseload(DomainEvent):
    case_id: UUID


class CaseRemovedFromCaseload(DomainEvent):
    case_id: UUID
