"""What each document shows, as typed models: built from the services' JSON by `build.py`,
printed by `compose.py`. Values are already fit to print (names, not identifiers); a family's
erased data arrives as `[usunięto]` and is printed as it is."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ERASED = "[usunięto]"
"""What the services return for a personal value whose family's key was destroyed."""


class DocumentKind(StrEnum):
    DECISION = "decision"
    ASSIGNMENT_LETTER = "assignment_letter"
    CONSENT_FORM = "consent_form"
    WORK_PLAN = "work_plan"
    VISIT_DIARY = "visit_diary"
    ASSESSMENT = "assessment"
    COURT_OPINION = "court_opinion"
    CLOSURE_NOTE = "closure_note"
    CASE_FILE = "case_file"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Member(Model):
    name: str
    role: str
    birth_date: date | None = None
    pesel: str | None = None

    @property
    def erased(self) -> bool:
        return self.name == ERASED

    @property
    def is_adult_party(self) -> bool:
        """Who signs for the family: parents, guardians, a pregnant woman, another adult."""
        return self.role != "child"


class CaseHeading(Model):
    """What identifies the family on every page of a document about it."""

    reference: str
    district: str
    members: tuple[Member, ...]


class Decision(Model):
    kind: Literal[DocumentKind.DECISION] = DocumentKind.DECISION
    heading: CaseHeading
    outcome: Literal["granted", "declined", "pending"]
    source: str
    sender_reference: str | None = None
    referred_on: date
    reason: str = ""
    obligatory: bool
    interview_on: date | None = None
    interview_by: str | None = None
    decided_on: date | None = None
    decided_by: str | None = None
    justification: str = ""


class AssignmentLetter(Model):
    kind: Literal[DocumentKind.ASSIGNMENT_LETTER] = DocumentKind.ASSIGNMENT_LETTER
    heading: CaseHeading
    assistant: str | None
    assigned_on: date | None
    previous_assistant: str | None = None
    obligatory: bool
    assigned_by: str | None = None


class ConsentForm(Model):
    kind: Literal[DocumentKind.CONSENT_FORM] = DocumentKind.CONSENT_FORM
    heading: CaseHeading
    obligatory: bool
    given_on: date | None = None
    signed_by: tuple[str, ...] = ()


class PlanAction(Model):
    description: str
    deadline: date
    expected_effect: str


class WorkPlan(Model):
    kind: Literal[DocumentKind.WORK_PLAN] = DocumentKind.WORK_PLAN
    heading: CaseHeading
    version: int
    updated_on: date
    actions: tuple[PlanAction, ...]
    agreed_with_social_worker: str
    foster_care_coordinator: str | None = None
    foster_care_plan_reference: str | None = None
    assistant: str | None = None


class Visit(Model):
    visited_on: date
    duration_minutes: int
    place: str
    present: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    note: str = ""
    assistant: str | None = None


class VisitDiary(Model):
    kind: Literal[DocumentKind.VISIT_DIARY] = DocumentKind.VISIT_DIARY
    heading: CaseHeading
    period_start: date
    period_end: date
    visits: tuple[Visit, ...]

    @property
    def total_minutes(self) -> int:
        return sum(v.duration_minutes for v in self.visits)


class Assessment(Model):
    kind: Literal[DocumentKind.ASSESSMENT] = DocumentKind.ASSESSMENT
    heading: CaseHeading
    assessed_on: date
    submitted_to_head_on: date
    next_assessment_due: date
    summary: str
    assistant: str | None = None
    work_started_on: date | None = None
    visits_since_previous: int = 0


class CourtOpinion(Model):
    kind: Literal[DocumentKind.COURT_OPINION] = DocumentKind.COURT_OPINION
    heading: CaseHeading
    court_name: str
    case_signature: str
    requested_on: date
    deadline: date
    submitted_on: date | None = None
    opinion: str | None = None
    overdue: bool = False
    assistant: str | None = None


class ClosureNote(Model):
    kind: Literal[DocumentKind.CLOSURE_NOTE] = DocumentKind.CLOSURE_NOTE
    heading: CaseHeading
    closed_on: date
    reason: str
    note: str = ""
    children_placed_in_foster_care: int = 0
    monitoring_until: date | None = None
    work_started_on: date | None = None
    visits: int = 0
    reopened_on: date | None = None
    reopening_reason: str | None = None
    monitoring_ended_on: date | None = None
    closed_by: str | None = None


class HistoryEntry(Model):
    at: datetime
    who: str
    what: str


class CaseFile(Model):
    """The whole file of a family for an inspection: every document in order, then the
    history of who did what and when."""

    kind: Literal[DocumentKind.CASE_FILE] = DocumentKind.CASE_FILE
    heading: CaseHeading
    status: str
    opened_on: date | None
    work_started_on: date | None
    consent_on: date | None
    districts: tuple[str, ...]
    decision: Decision | None
    assignments: tuple[AssignmentLetter, ...]
    consent: ConsentForm
    plans: tuple[WorkPlan, ...]
    diary: VisitDiary | None
    assessments: tuple[Assessment, ...]
    court_opinions: tuple[CourtOpinion, ...]
    closures: tuple[ClosureNote, ...]
    history: tuple[HistoryEntry, ...]


Document = Annotated[
    Decision
    | AssignmentLetter
    | ConsentForm
    | WorkPlan
    | VisitDiary
    | Assessment
    | CourtOpinion
    | ClosureNote
    | CaseFile,
    Field(discriminator="kind"),
]
