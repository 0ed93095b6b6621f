"""What the rules of device records refuse. Texts: services/casework/domain/messages.py."""

from __future__ import annotations

from services.casework.domain.errors import CaseworkError
from shared.domain.errors import ErrorKind


class IncompleteDeviceRecord(CaseworkError):
    """Params: missing (which fields the record's kind needs)."""

    code = "incomplete-device-record"
    kind = ErrorKind.INVALID


class HeldRecordAlreadyDecided(CaseworkError):
    """Params: status."""

    code = "held-record-already-decided"


class RecordAlreadyInCase(CaseworkError):
    code = "record-already-in-case"
