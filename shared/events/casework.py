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
    plan_version: int = Field(ge=1)
    actions: tuple[PlanAction, ...] = Field(min_length=1)
    agreed_with_social_worker: str = Field(min_length=1, max_length=200)
    updated_on: date


class CaseloadOpened(DomainEvent):
    """An assistant's caseload exists once the directory registered the assistant."""

    district: DistrictCode
    limit: int = CASELOAD_LIMIT


class CaseAddedToCaseload(DomainEvent):
    case_id: UUID


class CaseRemovedFromCaseload(DomainEvent):
    case_id: UUID
