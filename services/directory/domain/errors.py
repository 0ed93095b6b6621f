"""The directory's refusals: codes and kinds only; the texts are in `messages`."""

from __future__ import annotations

from typing import ClassVar

from services.directory.domain.messages import MESSAGES
from shared.domain.errors import DomainError, Message


class DirectoryError(DomainError):
    """Base of the directory's errors: their texts come from the service's catalogue."""

    catalogue: ClassVar[dict[str, Message]] = MESSAGES
