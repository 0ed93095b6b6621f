"""An assistant's refusals (texts in services.directory.domain.messages)."""

from __future__ import annotations

from services.directory.domain.errors import DirectoryError
from shared.domain.errors import ErrorKind


class AssistantAlreadyRegistered(DirectoryError):
    code = "assistant-already-registered"
    kind = ErrorKind.CONFLICT


class HoursRequiredForPartTime(DirectoryError):
    code = "part-time-hours-required"
    kind = ErrorKind.INVALID


class WorkingTimeSystemOnCivilLawContract(DirectoryError):
    code = "working-time-system-on-civil-law-contract"
    kind = ErrorKind.INVALID


class WorkEndsBeforeStart(DirectoryError):
    code = "work-ends-before-start"
    kind = ErrorKind.INVALID


class EndOfWorkInFuture(DirectoryError):
    code = "end-of-work-in-future"
    kind = ErrorKind.INVALID


class AssistantInactive(DirectoryError):
    code = "assistant-inactive"
    kind = ErrorKind.CONFLICT


class AssistantAlreadyActive(DirectoryError):
    code = "assistant-already-active"
    kind = ErrorKind.CONFLICT


class InvalidResumptionDate(DirectoryError):
    code = "invalid-resumption-date"
    kind = ErrorKind.INVALID


class LoginTaken(DirectoryError):
    """Another assistant signs in with this login: one login, one assistant."""

    code = "login-taken"
    kind = ErrorKind.CONFLICT


class InvalidEmail(DirectoryError):
    """Not an e-mail address (a plain syntax check: one @, a dotted domain)."""

    code = "invalid-email"
    kind = ErrorKind.INVALID


class ChangeBeforeStartOfWork(DirectoryError):
    code = "change-before-start-of-work"
    kind = ErrorKind.INVALID
