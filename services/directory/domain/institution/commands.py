"""What may be asked of the directory about an institution."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from shared.events.directory import InstitutionDetails


@dataclass(frozen=True)
class RegisterInstitution:
    details: InstitutionDetails
    institution_id: UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class UpdateInstitution:
    """The details in full, replacing the current ones."""

    institution_id: UUID
    details: InstitutionDetails


@dataclass(frozen=True)
class ChangeInstitution:
    """Some fields of the details (name -> new value, already validated), applied to the
    details as they are when the change is decided."""

    institution_id: UUID
    changes: Mapping[str, Any]


@dataclass(frozen=True)
class CloseInstitution:
    institution_id: UUID
    reason: str = ""
    closed_on: date | None = None  # None: today
