"""A referral: a family brought to the centre's attention, and the head's decision on it."""

from __future__ import annotations

from services.referrals.domain.referral.commands import (
    DecideOnReferral,
    RecordDuplicate,
    RecordInterview,
    ReferFamily,
)
from services.referrals.domain.referral.decide import (
    decide,
    record_duplicate,
    record_interview,
    refer,
)
from services.referrals.domain.referral.errors import (
    DeclineNeedsReason,
    InterviewNotNeeded,
    InterviewRequired,
    ObligatoryReferralCannotBeDeclined,
    ReferralAlreadyDecided,
    ReferralAlreadyExists,
    ReferralDatedInFuture,
)
from services.referrals.domain.referral.evolve import EVENT_TYPES, evolve
from services.referrals.domain.referral.state import ExistingMatch, Referral, ReferralStatus
from shared.domain.aggregate import AggregateType

REFERRAL = AggregateType[Referral](
    name="referral",
    initial=Referral,
    evolve=evolve,
    district=lambda s: s.district,
    entity="referral",
    exists=lambda s: s.exists,
    family_id=lambda s: s.family_id,
)

__all__ = [
    "EVENT_TYPES",
    "REFERRAL",
    "DecideOnReferral",
    "DeclineNeedsReason",
    "ExistingMatch",
    "InterviewNotNeeded",
    "InterviewRequired",
    "ObligatoryReferralCannotBeDeclined",
    "RecordDuplicate",
    "RecordInterview",
    "ReferFamily",
    "Referral",
    "ReferralAlreadyDecided",
    "ReferralAlreadyExists",
    "ReferralDatedInFuture",
    "ReferralStatus",
    "decide",
    "evolve",
    "record_duplicate",
    "record_interview",
    "refer",
]
