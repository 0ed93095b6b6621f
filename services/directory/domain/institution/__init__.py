"""An institution assistants work with: a counselling centre, a school, a family court, a police
station, an NGO."""

from __future__ import annotations

from services.directory.domain.institution.commands import (
    ChangeInstitution,
    CloseInstitution,
    RegisterInstitution,
    UpdateInstitution,
)
from services.directory.domain.institution.decide import change, close, register, update
from services.directory.domain.institution.errors import (
    ClosureInFuture,
    InstitutionAlreadyRegistered,
    InstitutionIsClosed,
    RegonAlreadyRegistered,
)
from services.directory.domain.institution.evolve import EVENT_TYPES, evolve
from services.directory.domain.institution.state import Institution
from shared.domain.aggregate import AggregateType

INSTITUTION = AggregateType[Institution](
    name="institution",
    initial=Institution,
    evolve=evolve,
    district=lambda s: s.district,
    entity="institution",
    exists=lambda s: s.exists,
)

__all__ = [
    "EVENT_TYPES",
    "INSTITUTION",
    "ChangeInstitution",
    "CloseInstitution",
    "ClosureInFuture",
    "Institution",
    "InstitutionAlreadyRegistered",
    "InstitutionIsClosed",
    "RegisterInstitution",
    "RegonAlreadyRegistered",
    "UpdateInstitution",
    "change",
    "close",
    "evolve",
    "register",
    "update",
]
