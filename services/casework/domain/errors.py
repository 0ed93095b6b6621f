"""The base of casework's domain errors: their texts come from one catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from services.casework.domain.messages import MESSAGES
from shared.domain.errors import DomainError, Message


class CaseworkError(DomainError):
    """A refusal by one of casework's rules; `code` keys its texts in MESSAGES."""

    catalogue: ClassVar[Mapping[str, Message]] = MESSAGES
