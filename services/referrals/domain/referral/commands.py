"""What may be asked of a referral. Inputs are declared once, with the value types the request
and the event use too."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from services.referrals.domain.referral.state import ExistingMatch
from shared.events import FamilyMember, ReferralSource


@dataclass(frozen=True)
class ReferFamily:
    district: str
    source: ReferralSource
    sender_reference: str | None
    members: tuple[FamilyMember, ...]
    referred_on: date | None = None  # None: today
    reason: str = ""
    family_id: UUID = field(default_factory=uuid.uuid4)
    referral_id: UUID = field(default_factory=uuid.uuid4)
    # What the family index found, filled in by the handler (a caller leaves it out): the
    # referral is then linked there instead of opened twice.
    existing: ExistingMatch | None = None


@dataclass(frozen=True)
class RecordDuplicate:
    """The open referral `referral_id` records the new referral `duplicate_id` linked to it."""

    referral_id: UUID
    duplicate_id: UUID
    source: ReferralSource
    sender_reference: str | None
    referred_on: date
    district: str


@dataclass(frozen=True)
class RecordInterview:
    referral_id: UUID
    conducted_on: date
    social_worker: str
    summary: str = ""


@dataclass(frozen=True)
class DecideOnReferral:
    """The head's decision; `reason` justifies a grant (optional) or a refusal (required)."""

    referral_id: UUID
    granted: bool
    reason: str = ""
