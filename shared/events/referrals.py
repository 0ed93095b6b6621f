"""Events of the referrals service: a family referred, and the head's decision."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from shared.domain.districts import DistrictCode
from shared.domain.values import FreeText, LongText, Reason, ShortText
from shared.events.base import DomainEvent
from shared.events.family import FamilyMember, ReferralSource

MAX_MEMBERS = 30
"""A family's members in one referral (a bound on every list)."""

Members = Annotated[tuple[FamilyMember, ...], Field(min_length=1, max_length=MAX_MEMBERS)]
SenderReference = Annotated[ShortText, Field(max_length=200)]
"""The sender's own reference (a school's letter, a court's signature, a worker's file)."""
CaseSignature = Annotated[ShortText, Field(max_length=100)]
InterviewSummary = LongText | Literal[""]
"""A social worker's summary of the interview: may be left empty."""
OptionalReason = Reason | Literal[""]
"""The head's reason for a decision: required to decline (a rule of the referral), optional to
grant."""


class FamilyReferred(DomainEvent):
    family_id: UUID
    district: DistrictCode
    source: ReferralSource
    sender_reference: SenderReference | None = None
    referred_on: date
    members: Members
    reason: FreeText = ""


class AssistanceGranted(DomainEvent):
    """The head granted an assistant (or the law did: `obligatory`). Carries the family so the
    case can be opened without reading the referral's store."""

    family_id: UUID
    source: ReferralSource
    obligatory: bool
    decided_on: date
    members: Members
    # The head's justification of the grant (came later: None in events stored before it).
    justification: Reason | None = None


class FamilyInterviewRecorded(DomainEvent):
    """A social worker interviewed the family (wywiad środowiskowy) before the decision."""

    conducted_on: date
    social_worker: Annotated[ShortText, Field(max_length=200)]
    summary: InterviewSummary = ""


class ReferralLinked(DomainEvent):
    """This referral concerns a family that already has an open referral or an active case:
    it is not opened twice but linked there."""

    to_referral_id: UUID | None = None
    to_case_id: UUID | None = None
    source: ReferralSource
    sender_reference: SenderReference | None = None
    referred_on: date


class DuplicateReferralReceived(DomainEvent):
    """Another referral about the family of this open referral arrived and was linked here."""

    referral_id: UUID
    source: ReferralSource
    sender_reference: SenderReference | None = None
    referred_on: date
    district: DistrictCode


class CourtOpinionRequestReceived(DomainEvent):
    """A court asked for an opinion on a family with an active case; casework adds it to the
    case as a task with the court's deadline."""

    case_id: UUID
    family_id: UUID
    court_name: ShortText
    case_signature: CaseSignature
    received_on: date
    deadline: date
    # The district of the family's case (came later: None in events stored before it).
    district: DistrictCode | None = None


class ReferralDeclined(DomainEvent):
    family_id: UUID
    decided_on: date
    reason: Reason


class FamilyDataErased(DomainEvent):
    """The family's personal data is erased (its keys destroyed) after the retention period or
    on the data controller's decision. Every service holding the family's data destroys its
    key on this event; counts and statistics stay."""

    erased_on: date
    reason: Annotated[Reason, Field(max_length=500)]
    # The district of the family's last referral (came later: None in events stored before it).
    district: DistrictCode | None = None
