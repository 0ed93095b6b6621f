"""An assistant's caseload: at most 15 families of the assistant's own district."""

from __future__ import annotations

from services.casework.domain.caseload.evolve import evolve
from services.casework.domain.caseload.state import Caseload
from shared.domain.aggregate import AggregateType

CASELOAD = AggregateType[Caseload](
    name="caseload",
    initial=Caseload,
    evolve=evolve,
    district=lambda s: s.district,
    entity="assistant",
    exists=lambda s: s.exists,
)

__all__ = ["CASELOAD", "Caseload"]
