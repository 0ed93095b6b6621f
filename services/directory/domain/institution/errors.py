"""An institution's refusals (texts in services.directory.domain.messages)."""

from __future__ import annotations

from services.directory.domain.errors import DirectoryError
from shared.domain.errors import ErrorKind


class InstitutionAlreadyRegistered(DirectoryError):
    code = "institution-already-registered"
    kind = ErrorKind.CONFLICT


class RegonAlreadyRegistered(DirectoryError):
    """Raised by the read model when its unique key on REGON refuses a row."""

    code = "regon-already-registered"
    kind = ErrorKind.CONFLICT


class InstitutionIsClosed(DirectoryError):
    code = "institution-closed"
    kind = ErrorKind.CONFLICT


class ClosureInFuture(DirectoryError):
    code = "closure-in-future"
    kind = ErrorKind.INVALID
