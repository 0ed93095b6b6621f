"""What each document says, block by block, in the catalogue's words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from services.documents.blocks import (
    Block,
    Composed,
    Fields,
    Heading,
    Paragraph,
    Section,
    Signatures,
    Table,
    TableOfContents,
    Title,
)
from services.documents.models import (
    ERASED,
    Assessment,
    AssignmentLetter,
    CaseFile,
    CaseHeading,
    ClosureNote,
    ConsentForm,
    CourtOpinion,
    Decision,
    VisitDiary,
    WorkPlan,
)
from services.documents.settings import Centre
from services.documents.texts import Catalogue

AnyDocument = (
    Decision
    | AssignmentLetter
    | ConsentForm
    | WorkPlan
    | VisitDiary
    | Assessment
    | CourtOpinion
    | ClosureNote
    | CaseFile
)


class Composer:
    def __init__(self, texts: Catalogue, centre: Centre) -> None:
        self.t = texts
        self.centre = centre

    # -- shared parts -------------------------------------------------------------------
    def _family(self, heading: CaseHeading, *, district: bool = True) -> Iterator[Block]:
        t = self.t
        if district:
            yield Fields(((t.text("district"), heading.district),))
        yield Table(
            headers=(
                t.text("member.name"),
                t.text("member.role"),
                t.text("member.birth_date"),
                t.text("member.pesel"),
            ),
            rows=tuple(
                (
                    m.name,
                    t.label("member_role", m.role),
                    t.date(m.birth_date) if m.birth_date else (ERASED if m.erased else "—"),
                    m.pesel or "—",
                )
                for m in heading.members
            ),
            widths=(34, 20, 24, 22),
        )

    def _title(self, title: str, heading: CaseHeading) -> Iterator[Block]:
        yield Title(title, self.t.text("case_reference", reference=heading.reference))

    @staticmethod
    def _text(value: str | None) -> str:
        return value if value else "—"

    # -- the documents ------------------------------------------------------------------
    def decision(self, d: Decision) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text(f"title.decision_{d.outcome}"), d.heading)
        yield from self._family(d.heading)
        rows = [
            (t.text("source"), t.label("source", d.source)),
            (t.text("referred_on"), t.date(d.referred_on)),
        ]
        if d.sender_reference:
            rows.append((t.text("sender_reference"), d.sender_reference))
        rows.append(
            (t.text("obligatory"), t.text("obligatory.yes" if d.obligatory else "obligatory.no"))
        )
        if d.interview_on:
            rows.append(
                (
                    t.text("interview"),
                    t.text(
                        "interview.line",
                        date=t.date(d.interview_on),
                        social_worker=self._text(d.interview_by),
                    ),
                )
            )
        yield Fields(tuple(rows))
        if d.reason:
            yield Heading(t.text("referral_reason"))
            yield Paragraph(d.reason)
        yield Heading(t.text("decision"))
        yield Paragraph(t.text(f"decision.{d.outcome}"), bold=True)
        if d.outcome != "pending":
            yield Fields(
                (
                    (t.text("decided_on"), t.date(d.decided_on)),
                    (t.text("decided_by"), self._text(d.decided_by)),
                )
            )
            yield Heading(t.text("justification"))
            yield Paragraph(d.justification or t.text("justification.none"))
            yield Signatures((t.text("signature.head"),))

    def assignment_letter(self, a: AssignmentLetter) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.assignment_letter"), a.heading)
        adults = [m.name for m in a.heading.members if m.is_adult_party]
        yield Fields(((t.text("addressee"), ", ".join(adults) or "—"),))
        if a.assistant is None:
            yield Paragraph(t.text("no_assignment"))
            return
        yield Paragraph(
            t.text("assignment.body", date=t.date(a.assigned_on), assistant=a.assistant)
        )
        if a.previous_assistant:
            yield Paragraph(t.text("assignment.previous", assistant=a.previous_assistant))
        yield Paragraph(t.text("assignment.duties"))
        yield Paragraph(
            t.text("assignment.obligatory" if a.obligatory else "assignment.consent_needed")
        )
        yield Fields(
            (
                (t.text("assistant"), a.assistant),
                (t.text("assigned_on"), t.date(a.assigned_on)),
                (t.text("district"), a.heading.district),
            )
        )
        yield Signatures((t.text("signature.head"),))

    def consent_form(self, c: ConsentForm) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.consent_form"), c.heading)
        yield from self._family(c.heading)
        if c.obligatory:
            yield Paragraph(t.text("consent.not_needed"), bold=True)
        yield Paragraph(t.text("consent.statement", centre=self.centre.name))
        yield Paragraph(t.text("consent.data"))
        yield Paragraph(t.text("consent.withdraw"))
        if c.given_on is not None:
            yield Paragraph(
                t.text("consent.recorded", date=t.date(c.given_on), names=", ".join(c.signed_by)),
                bold=True,
            )
        else:
            yield Paragraph(t.text("consent.not_recorded"), small=True)
        signers = [m.name for m in c.heading.members if m.is_adult_party] or [""]
        by_name = [t.text("signature.of", name=name) for name in signers]
        yield Signatures((t.text("signature.date_place"), *by_name))

    def work_plan(self, p: WorkPlan) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.work_plan", version=p.version), p.heading)
        yield from self._family(p.heading)
        rows = [
            (t.text("plan.updated_on"), t.date(p.updated_on)),
            (t.text("assistant"), self._text(p.assistant)),
            (t.text("plan.agreed_with"), p.agreed_with_social_worker),
        ]
        if p.foster_care_coordinator:
            rows.append((t.text("plan.foster_care"), p.foster_care_coordinator))
        if p.foster_care_plan_reference:
            rows.append((t.text("plan.foster_plan"), p.foster_care_plan_reference))
        yield Fields(tuple(rows))
        yield Heading(t.text("plan.actions"))
        yield Table(
            headers=(
                t.text("plan.no"),
                t.text("plan.action"),
                t.text("plan.deadline"),
                t.text("plan.effect"),
            ),
            rows=tuple(
                (f"{i}.", a.description, t.date(a.deadline), a.expected_effect)
                for i, a in enumerate(p.actions, start=1)
            ),
            widths=(6, 40, 17, 37),
        )
        yield Paragraph(t.text("plan.signatures"))
        signers = [m.name for m in p.heading.members if m.is_adult_party]
        assistant = t.text("signature.of", name=p.assistant or t.text("assistant"))
        yield Signatures((*(t.text("signature.of", name=name) for name in signers), assistant))

    def visit_diary(self, v: VisitDiary) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.visit_diary"), v.heading)
        yield from self._family(v.heading)
        total = v.total_minutes
        yield Paragraph(
            t.text("visits.period", start=t.date(v.period_start), end=t.date(v.period_end)),
            bold=True,
        )
        yield Paragraph(
            t.text("visits.count", count=len(v.visits), hours=total // 60, minutes=total % 60)
        )
        yield Table(
            headers=(
                t.text("visit.date"),
                t.text("visit.duration"),
                t.text("visit.place"),
                t.text("visit.present"),
                t.text("visit.topics"),
                t.text("visit.note"),
            ),
            rows=tuple(
                (
                    t.date(visit.visited_on),
                    t.text("visit.minutes", minutes=visit.duration_minutes),
                    t.label("place", visit.place),
                    ", ".join(visit.present) or "—",
                    ", ".join(t.label("topic", topic) for topic in visit.topics) or "—",
                    visit.note or "—",
                )
                for visit in v.visits
            ),
            widths=(16, 9, 11, 17, 18, 29),
            empty=t.text("visits.none"),
        )

    def assessment(self, a: Assessment) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.assessment"), a.heading)
        yield from self._family(a.heading)
        yield Fields(
            (
                (t.text("assessment.assessed_on"), t.date(a.assessed_on)),
                (t.text("assistant"), self._text(a.assistant)),
                (t.text("assessment.work_started"), t.date(a.work_started_on)),
                (t.text("assessment.visits_since"), str(a.visits_since_previous)),
                (t.text("assessment.submitted"), t.date(a.submitted_to_head_on)),
                (t.text("assessment.next_due"), t.date(a.next_assessment_due)),
            )
        )
        yield Heading(t.text("assessment.summary"))
        yield Paragraph(a.summary)
        yield Paragraph(t.text("assessment.basis"), small=True)
        yield Signatures((t.text("signature.assistant"), t.text("signature.head")))

    def court_opinion(self, c: CourtOpinion) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.court_opinion"), c.heading)
        rows = [
            (t.text("court.court"), c.court_name),
            (t.text("court.signature"), c.case_signature),
            (t.text("court.requested_on"), t.date(c.requested_on)),
            (t.text("court.deadline"), t.date(c.deadline)),
        ]
        if c.submitted_on:
            rows.append((t.text("court.submitted_on"), t.date(c.submitted_on)))
        rows.append((t.text("assistant"), self._text(c.assistant)))
        yield Fields(tuple(rows))
        yield from self._family(c.heading)
        yield Heading(t.text("court.text"))
        if c.opinion:
            yield Paragraph(c.opinion)
        else:
            yield Paragraph(t.text("court.overdue" if c.overdue else "court.pending"), bold=True)
        yield Paragraph(t.text("court.basis"), small=True)
        yield Signatures((t.text("signature.assistant"), t.text("signature.head")))

    def closure_note(self, c: ClosureNote) -> Iterator[Block]:
        t = self.t
        yield from self._title(t.text("title.closure_note"), c.heading)
        yield from self._family(c.heading)
        rows = [
            (t.text("closure.closed_on"), t.date(c.closed_on)),
            (t.text("closure.reason"), t.label("closure_reason", c.reason)),
        ]
        if c.work_started_on:
            rows.append(
                (
                    t.text("closure.duration"),
                    t.text(
                        "closure.duration_days",
                        days=(c.closed_on - c.work_started_on).days,
                        start=t.date(c.work_started_on),
                    ),
                )
            )
        rows += [
            (t.text("closure.visits"), str(c.visits)),
            (t.text("closure.children_placed"), str(c.children_placed_in_foster_care)),
            (
                t.text("closure.monitoring"),
                t.date(c.monitoring_until)
                if c.monitoring_until
                else t.text("closure.monitoring_none"),
            ),
        ]
        yield Fields(tuple(rows))
        if c.note:
            yield Heading(t.text("closure.note"))
            yield Paragraph(c.note)
        if c.reopened_on:
            yield Paragraph(
                t.text(
                    "closure.reopened",
                    date=t.date(c.reopened_on),
                    reason=self._text(c.reopening_reason),
                ),
                bold=True,
            )
        if c.monitoring_ended_on:
            yield Paragraph(t.text("closure.monitoring_ended", date=t.date(c.monitoring_ended_on)))
        yield Signatures((t.text("signature.assistant"), t.text("signature.head")))

    def case_file(self, f: CaseFile) -> Iterator[Block]:
        """Every document in the order the work went, each from a new page, after a cover with
        the table of contents, and the history at the end."""
        t = self.t
        yield from self._title(t.text("title.case_file"), f.heading)
        yield Paragraph(t.text("inspection_note"), small=True)
        yield Fields(
            (
                (t.text("case.status"), t.label("case_status", f.status)),
                (t.text("case.opened_on"), t.date(f.opened_on)),
                (t.text("case.work_started_on"), t.date(f.work_started_on)),
                (t.text("case.consent_on"), t.date(f.consent_on)),
                (t.text("case.districts"), ", ".join(f.districts) or f.heading.district),
            )
        )
        yield from self._family(f.heading, district=False)
        yield TableOfContents(t.text("toc"))

        subtitle = t.text("case_reference", reference=f.heading.reference)

        def part(anchor: str, blocks: Iterator[Block], detail: str = "") -> Iterator[Block]:
            # The first block of each part is its Title: it becomes the section heading, with
            # a detail telling apart parts of the same kind in the table of contents.
            first = next(blocks)
            if not isinstance(first, Title):
                raise TypeError(f"part {anchor!r} must start with a Title, not {first!r}")
            text = f"{first.text} ({detail})" if detail else first.text
            yield Section(text, anchor=anchor, subtitle=subtitle, new_page=True)
            yield from blocks

        if f.decision is not None:
            yield from part("decision", self.decision(f.decision))
        for i, letter in enumerate(f.assignments, start=1):
            detail = t.date(letter.assigned_on) if len(f.assignments) > 1 else ""
            yield from part(f"assignment-{i}", self.assignment_letter(letter), detail)
        yield from part("consent", self.consent_form(f.consent))
        for plan in f.plans:
            yield from part(f"plan-{plan.version}", self.work_plan(plan), t.date(plan.updated_on))
        if f.diary is not None:
            yield from part("visits", self.visit_diary(f.diary))
        for i, assessment in enumerate(f.assessments, start=1):
            detail = t.date(assessment.assessed_on)
            yield from part(f"assessment-{i}", self.assessment(assessment), detail)
        for i, opinion in enumerate(f.court_opinions, start=1):
            yield from part(f"court-{i}", self.court_opinion(opinion), opinion.case_signature)
        for i, closure in enumerate(f.closures, start=1):
            yield from part(f"closure-{i}", self.closure_note(closure), t.date(closure.closed_on))
        yield Section(t.text("history"), anchor="history", subtitle=subtitle, new_page=True)
        yield Table(
            headers=(t.text("history.when"), t.text("history.who"), t.text("history.what")),
            rows=tuple((self._when(e.at), e.who, e.what) for e in f.history),
            widths=(26, 26, 48),
            empty=t.text("history.empty"),
        )

    def _when(self, at: datetime) -> str:
        if at.tzinfo is None:
            return self.t.date(at.date())
        return f"{self.t.date(at.date())}, {at:%H:%M}"


def compose(document: AnyDocument, texts: Catalogue, centre: Centre) -> Composed:
    composer = Composer(texts, centre)
    blocks = tuple(getattr(composer, str(document.kind))(document))
    first = blocks[0]
    title = first.text if isinstance(first, Title) else str(document.kind)
    return Composed(title=title, reference=document.heading.reference, blocks=blocks)
