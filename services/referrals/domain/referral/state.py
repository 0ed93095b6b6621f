"""A referral's state, folded from its events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.events import FamilyMember, ReferralSource


class ReferralStatus(StrEnum):
    AWAITING_INTERVIEW = "awaiting_interview"
    AWAITING_DECISION = "awaiting_decision"
    GRANTED = "granted"
    DECLINED = "declined"
    LINKED = "linked"  # about a family already referred or in an active case


@dataclass(frozen=True)
class Referral:
    exists: bool = False
    district: str = ""
    family_id: UUID | None = None
    source: ReferralSource | None = None
    status: ReferralStatus = ReferralStatus.AWAITING_DECISION
    members: tuple[FamilyMember, ...] = ()
    referred_on: date | None = None
    linked_referrals: tuple[UUID, ...] = ()

    @property
    def is_open(self) -> bool:
        """Still waiting for an interview or a decision: the family's open referral."""
        return self.status in (ReferralStatus.AWAITING_INTERVIEW, ReferralStatus.AWAITING_DECISION)


@dataclass(frozen=True)
class ExistingMatch:
    """What the family's PESEL matched: an open referral or an active case."""

    referral_id: UUID | None = None
    case_id: UUID | None = None
    family_id: UUID | None = None
