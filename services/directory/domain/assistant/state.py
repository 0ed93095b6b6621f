"""An assistant's state, folded from their events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.events.directory import EmploymentForm, WorkingTime, WorkingTimeSystem

FULL_TIME_HOURS = 40


@dataclass(frozen=True)
class EmploymentTerms:
    employment_form: EmploymentForm
    working_time: WorkingTime | None = None
    hours_per_week: int | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None


@dataclass(frozen=True)
class Assistant:
    registered: bool = False
    district: str = ""
    terms: EmploymentTerms | None = None
    works_since: date | None = None
    # The start of the current period of work: works_since, or the last reactivation.
    working_since: date | None = None
    active: bool = False
    ended_on: date | None = None
    login: str | None = None
    email: str | None = None

    @property
    def employment_form(self) -> EmploymentForm | None:
        return self.terms.employment_form if self.terms else None
