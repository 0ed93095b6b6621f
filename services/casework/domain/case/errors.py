"""What the case's rules refuse. Texts: services/casework/domain/messages.py."""

from __future__ import annotations

from services.casework.domain.errors import CaseworkError
from services.casework.domain.messages import ACTIONS
from shared.domain.errors import ErrorKind


class CaseAlreadyOpened(CaseworkError):
    code = "case-already-opened"


class CaseNotOpened(CaseworkError):
    """A command on a stream with no CaseOpened (the handlers load cases with `uow.get`, so
    this guards the rules themselves)."""

    code = "case-not-opened"
    kind = ErrorKind.NOT_FOUND


class WrongCaseStatus(CaseworkError):
    """Params: state, action (a key of ACTIONS), allowed."""

    code = "wrong-case-status"

    def detail(self, language: str) -> str:
        pl, en = ACTIONS[str(self.params["action"])]
        template = self.message.detail_en if language == "en" else self.message.detail_pl
        return template.format(action_text=en if language == "en" else pl, **self.params)


class AlreadyAssigned(CaseworkError):
    code = "already-assigned"


class WorkNotStarted(CaseworkError):
    code = "work-not-started"


class ConsentAlreadyRecorded(CaseworkError):
    code = "consent-already-recorded"


class DateOutOfRange(CaseworkError):
    code = "date-out-of-range"
    kind = ErrorKind.INVALID


class DeadlineBeforeRequest(CaseworkError):
    code = "deadline-before-request"
    kind = ErrorKind.INVALID


class UnknownCourtRequest(CaseworkError):
    code = "unknown-court-request"
    kind = ErrorKind.NOT_FOUND


class OpinionAlreadySubmitted(CaseworkError):
    code = "opinion-already-submitted"


class MonitoringPeriodOver(CaseworkError):
    code = "monitoring-period-over"


class DeclineWithoutReason(CaseworkError):
    code = "decline-without-reason"
    kind = ErrorKind.INVALID


class TransferToSameDistrict(CaseworkError):
    code = "transfer-to-same-district"
    kind = ErrorKind.INVALID
