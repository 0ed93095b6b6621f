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


class ReferralDeclined(DomainEvent):
    family_id: UUID
    decided_on: date
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
