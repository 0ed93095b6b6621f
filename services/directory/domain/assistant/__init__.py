"""An assistant as the directory knows them: registered once in one district centre, on terms
of employment that change over time, working or not."""

from __future__ import annotations

from services.directory.domain.assistant.commands import (
    ChangeEmail,
    ChangeEmployment,
    ChangeLogin,
    DeactivateAssistant,
    ReactivateAssistant,
    RegisterAssistant,
)
from services.directory.domain.assistant.decide import (
    change_email,
    change_employment,
    change_login,
    deactivate,
    reactivate,
    register,
)
from services.directory.domain.assistant.errors import (
    AssistantAlreadyActive,
    AssistantAlreadyRegistered,
    AssistantInactive,
    ChangeBeforeStartOfWork,
    EndOfWorkInFuture,
    HoursRequiredForPartTime,
    InvalidEmail,
    InvalidResumptionDate,
    LoginTaken,
    WorkEndsBeforeStart,
    WorkingTimeSystemOnCivilLawContract,
)
from services.directory.domain.assistant.evolve import EVENT_TYPES, evolve
from services.directory.domain.assistant.state import FULL_TIME_HOURS, Assistant, EmploymentTerms
from shared.domain.aggregate import AggregateType

ASSISTANT = AggregateType[Assistant](
    name="assistant",
    initial=Assistant,
    evolve=evolve,
    district=lambda s: s.district,
    entity="assistant",
    exists=lambda s: s.registered,
)

__all__ = [
    "ASSISTANT",
    "EVENT_TYPES",
    "FULL_TIME_HOURS",
    "Assistant",
    "AssistantAlreadyActive",
    "AssistantAlreadyRegistered",
    "AssistantInactive",
    "ChangeBeforeStartOfWork",
    "ChangeEmail",
    "ChangeEmployment",
    "ChangeLogin",
    "DeactivateAssistant",
    "EmploymentTerms",
    "EndOfWorkInFuture",
    "HoursRequiredForPartTime",
    "InvalidEmail",
    "InvalidResumptionDate",
    "LoginTaken",
    "ReactivateAssistant",
    "RegisterAssistant",
    "WorkEndsBeforeStart",
    "WorkingTimeSystemOnCivilLawContract",
    "change_email",
    "change_employment",
    "change_login",
    "deactivate",
    "evolve",
    "reactivate",
    "register",
]
