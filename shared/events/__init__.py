"""Every event of the suite, defined once. Importing this package registers them all."""

from shared.events.base import (
    EVENT_TYPES,
    DomainEvent,
    Envelope,
    UnknownEventType,
    stream_id,
    upcast,
    upcaster,
)
from shared.events.casework import (
    CASELOAD_LIMIT,
    AssistantAssigned,
    CaseAddedToCaseload,
    CaseloadOpened,
    CaseOpened,
    CaseRemovedFromCaseload,
    PlanAction,
    PlanUpdated,
    VisitLogged,
    VisitPlace,
    VisitTopic,
)
from shared.events.directory import AssistantRegistered, EmploymentForm
from shared.events.family import FamilyMember, MemberRole, ReferralSource
from shared.events.referrals import AssistanceGranted, FamilyReferred, ReferralDeclined

__all__ = [
    "CASELOAD_LIMIT",
    "EVENT_TYPES",
    "AssistanceGranted",
    "AssistantAssigned",
    "AssistantRegistered",
    "CaseAddedToCaseload",
    "CaseOpened",
    "CaseRemovedFromCaseload",
    "CaseloadOpened",
    "DomainEvent",
    "EmploymentForm",
    "Envelope",
    "FamilyMember",
    "FamilyReferred",
    "MemberRole",
    "PlanAction",
    "PlanUpdated",
    "ReferralDeclined",
    "ReferralSource",
    "UnknownEventType",
    "VisitLogged",
    "VisitPlace",
    "VisitTopic",
    "stream_id",
    "upcast",
    "upcaster",
]
