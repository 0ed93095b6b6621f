"""A referral's refusals (texts in services.referrals.domain.messages)."""

from __future__ import annotations

from services.referrals.domain.errors import ReferralsError
from shared.domain.errors import ErrorKind


class ReferralAlreadyExists(ReferralsError):
    code = "referral-already-exists"


class ReferralDatedInFuture(ReferralsError):
    code = "referral-dated-in-future"
    kind = ErrorKind.INVALID


class ReferralAlreadyDecided(ReferralsError):
    code = "referral-already-decided"


class InterviewRequired(ReferralsError):
    code = "interview-required"


class InterviewNotNeeded(ReferralsError):
    code = "interview-not-needed"


class DeclineNeedsReason(ReferralsError):
    code = "decline-needs-reason"
    kind = ErrorKind.INVALID


class ObligatoryReferralCannotBeDeclined(ReferralsError):
    code = "obligatory-referral-cannot-be-declined"
