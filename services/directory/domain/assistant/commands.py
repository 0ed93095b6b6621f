"""What may be asked of the directory about an assistant. A date left out (None) means today:
the handler's clock decides, never the caller's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from services.directory.domain.assistant.state import EmploymentTerms
from shared.events.directory import (
    DeactivationReason,
    EmploymentForm,
    WorkingTime,
    WorkingTimeSystem,
)


@dataclass(frozen=True)
class RegisterAssistant:
    first_name: str
    last_name: str
    district: str
    employment_form: EmploymentForm
    works_since: date | None = None
    working_time: WorkingTime | None = None
    hours_per_week: int | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None
    login: str | None = None
    email: str | None = None
    assistant_id: UUID = field(default_factory=uuid.uuid4)

    @property
    def terms(self) -> EmploymentTerms:
        return EmploymentTerms(
            employment_form=self.employment_form,
            working_time=self.working_time,
            hours_per_week=self.hours_per_week,
            working_time_system=self.working_time_system,
            works_until=self.works_until,
        )


@dataclass(frozen=True)
class ChangeEmployment:
    assistant_id: UUID
    terms: EmploymentTerms
    effective_from: date | None = None


@dataclass(frozen=True)
class DeactivateAssistant:
    assistant_id: UUID
    reason: DeactivationReason
    ended_on: date | None = None


@dataclass(frozen=True)
class ChangeLogin:
    """Link the assistant to another login at the identity provider (None: unlink)."""

    assistant_id: UUID
    login: str | None


@dataclass(frozen=True)
class ChangeEmail:
    """Send the assistant's daily digest to another address (None: no address any more)."""

    assistant_id: UUID
    email: str | None


@dataclass(frozen=True)
class ReactivateAssistant:
    assistant_id: UUID
    resumed_on: date | None = None
    works_until: date | None = None
