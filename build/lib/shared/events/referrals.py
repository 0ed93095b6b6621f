"""Events of the referrals service: a family referred, and the head's decision."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import Field

from shared.districts import DistrictCode
from shared.events.base import DomainEvent
from shared.events.family import FamilyMember, ReferralSource
from shared.events.personal import PERSONAL


class FamilyReferred(DomainEvent):
    family_id: UUID
    district: DistrictCode
    source: ReferralSource
    sender_reference: str | None = None
    referred_on: date
    members: tuple[FamilyMember, ...] = Field(min_length=1)
    reason: Annotated[str, Field(max_length=4000), PERSONAL] = ""


class AssistanceGranted(DomainEvent):
    """The head granted an assistant (or the law did: `obligatory`). Carries the family so the
    case can be opened without reading the referral's store."""

    family_id: UUID
    source: ReferralSource
    obligatory: bool
    decided_on: date
    members: tuple[FamilyMember, ...] = Field(min_length=1)


class FamilyInterviewRecorded(DomainEvent):
    """A social worker interviewed the family (wywiad środowiskowy) before the decision."""

    conducted_on: date
    social_worker: str = Field(min_length=1, max_length=200)
    summary: Annotated[str, Field(max_length=8000), PERSONAL] = ""


class ReferralLinked(DomainEvent):
    """This referral concerns a family that already has an open referral or an active case:
    it is not opened twice but linked there."""

    to_referral_id: UUID | None = None
    to_case_id: UUID | None = None
    source: ReferralSource
    sender_reference: str | None = None
    referred_on: date


class DuplicateReferralReceived(DomainEvent):
    """Another referral about the family of this open referral arrived and was linked here."""

    referral_id: UUID
    source: ReferralSource
    sender_reference: str | None = None
    referred_on: date
    district: DistrictCode


class CourtOpinionRequestReceived(DomainEvent):
    """A court asked for an opinion on a family with an active case; casework adds it to the
    case as a task with the court's deadline."""

    case_id: UUID
    family_id: UUID
    court_name: str = Field(min_length=1, max_length=300)
    case_signature: str = Field(min_length=1, max_length=100)
    received_on: date
    deadline: date


class ReferralDeclined(DomainEvent):
    family_id: UUID
    decided_on: date
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class FamilyDataErased(DomainEvent):
    """The family's personal data is erased (its keys destroyed) after the retention period or
    on the data controller's decision. Every service holding the family's data destroys its
    key on this event; counts and statistics stay."""

    erased_on: date
    reason: str = Field(min_length=1, max_length=500)
