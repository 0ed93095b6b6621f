"""A family's case, from the grant to the end of monitoring: state, commands, decisions,
evolution and the refusals of its rules."""

from __future__ import annotations

from services.casework.domain.case.evolve import evolve
from services.casework.domain.case.state import Case
from shared.domain.aggregate import AggregateType

CASE = AggregateType[Case](
    name="case",
    initial=Case,
    evolve=evolve,
    district=lambda s: s.district,
    entity="case",
    exists=lambda s: s.exists,
    family_id=lambda s: s.family_id,
)

__all__ = ["CASE", "Case"]
