"""What the caseload's rules refuse. Texts: services/casework/domain/messages.py."""

from __future__ import annotations

from services.casework.domain.errors import CaseworkError


class CaseloadLimitReached(CaseworkError):
    code = "caseload-limit-reached"


class AssistantOfAnotherDistrict(CaseworkError):
    code = "assistant-of-another-district"


class AssistantNotWorking(CaseworkError):
    code = "assistant-not-working"
