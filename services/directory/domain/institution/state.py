"""An institution's state, folded from its events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.events.directory import InstitutionDetails


@dataclass(frozen=True)
class Institution:
    exists: bool = False
    details: InstitutionDetails | None = None
    closed_on: date | None = None

    @property
    def closed(self) -> bool:
        return self.closed_on is not None

    @property
    def district(self) -> str:
        return self.details.district if self.details is not None else ""
