"""An assistant's caseload: the families an assistant works with now."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.events import CASELOAD_LIMIT


@dataclass(frozen=True)
class Caseload:
    exists: bool = False
    district: str = ""
    name: str = ""
    limit: int = CASELOAD_LIMIT
    cases: frozenset[UUID] = frozenset()
    active: bool = True

    @property
    def free_places(self) -> int:
        return max(self.limit - len(self.cases), 0)
