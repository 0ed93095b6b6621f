"""The referrals service's refusals: codes and kinds only; the texts are in `messages`."""

from __future__ import annotations

from typing import ClassVar

from services.referrals.domain.messages import MESSAGES
from shared.domain.errors import DomainError, ErrorKind, Message


class ReferralsError(DomainError):
    """Base of the service's errors: their texts come from the service's catalogue."""

    catalogue: ClassVar[dict[str, Message]] = MESSAGES


class NotificationReferenceReused(ReferralsError):
    code = "notification-reference-reused"


class OpinionRequestNeedsDeadline(ReferralsError):
    code = "opinion-request-needs-deadline"
    kind = ErrorKind.INVALID


class NoActiveCaseForOpinion(ReferralsError):
    code = "no-active-case-for-opinion"
