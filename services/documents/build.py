"""From the JSON the services answer to the models of `models.py`.

Inputs are what the web app already holds: `GET /referrals/{id}` (referrals), `GET /cases/{id}`
(casework's case file) and the names of people (assistants from the directory, staff from the
identity provider) keyed by assistant id or by the actor string events carry (`head:anna`).
Nothing here calls a service: the caller fetched the data with the signed-in person's token, so
a document never shows more than that person may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

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
    DocumentKind,
    HistoryEntry,
    Member,
    PlanAction,
    Visit,
    VisitDiary,
    WorkPlan,
)
from services.documents.texts import Catalogue, catalogue
from shared.domain.districts import district_name
from shared.domain.errors import DomainError, ErrorKind

WARSAW = ZoneInfo("Europe/Warsaw")

Json = Mapping[str, Any]
# A history entry as the services give it: (day, recorded at, who, what).
_RawEntry = tuple[Any, Any, str, str]


class DocumentUnavailable(DomainError):
    """The case holds nothing of what the document would show (no plan yet, no such version,
    no court request...): the web app answers 404 with this text."""

    code = "document-unavailable"
    kind = ErrorKind.NOT_FOUND
    title_pl = "Nie można wystawić dokumentu"
    title_en = "The document cannot be issued"
    detail_pl = "{reason_pl}"
    detail_en = "{reason_en}"


def _unavailable(reason_pl: str, reason_en: str) -> DocumentUnavailable:
    return DocumentUnavailable(reason_pl=reason_pl, reason_en=reason_en)


@dataclass(frozen=True)
class Selection:
    """Which part of a case a document shows; each field matters to one kind only. Unset means
    the latest (the current plan, the last assessment, the last court request) or, for the
    diary, the whole time of work."""

    plan_version: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    assessed_on: date | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class SourceData:
    """What the web app fetched: a case file, a referral, or both (the case file of an
    inspection shows the decision too), and people's names."""

    case: Json | None = None
    referral: Json | None = None
    people: Mapping[str, str] = field(default_factory=dict)


def assistant_names(assistants: Iterable[Json]) -> dict[str, str]:
    """Names keyed by assistant id, from the directory's `GET /assistants` answer."""
    return {
        str(a["assistant_id"]): _full_name(a.get("first_name"), a.get("last_name"))
        for a in assistants
    }


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _must_day(value: Any) -> date:
    day = _day(value)
    if day is None:
        raise ValueError("a date is missing")
    return day


def _instant(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _full_name(first: Any, last: Any) -> str:
    first, last = str(first or "").strip(), str(last or "").strip()
    if first == ERASED or last == ERASED:
        return ERASED  # the family's key is gone: one marker, not "[usunięto] [usunięto]"
    return f"{first} {last}".strip() or ERASED


class _Names:
    def __init__(self, people: Mapping[str, str], texts: Catalogue) -> None:
        self._people = {str(k): v for k, v in people.items()}
        self._texts = texts

    def assistant(self, assistant_id: Any) -> str | None:
        if assistant_id is None:
            return None
        key = str(assistant_id)
        return self._people.get(key) or f"{self._texts.label('role', 'assistant')} {key[:8]}"

    def actor(self, actor: Any) -> str:
        """`head:anna.nowak` -> the person's name where known, else
        `anna.nowak (kierownik ośrodka)`."""
        if not actor:
            return "—"
        text = str(actor)
        if text in self._people:
            return self._people[text]
        role, _, subject = text.partition(":")
        if subject in self._people:
            return self._people[subject]
        if not subject:
            return text
        return f"{subject} ({self._texts.label('role', role)})"


def reference(prefix: str, identifier: Any, day: date | None) -> str:
    """How a document names the case or the referral: the centre has no numbering of its own
    in the services yet, so it is the year and the start of the identifier."""
    year = day.year if day else ""
    return f"{prefix}/{year}/{str(identifier)[:8].upper()}"


def _member(raw: Json) -> Member:
    name = _full_name(raw.get("first_name"), raw.get("last_name"))
    if name == ERASED:
        # The services keep an erased member's date of birth (it is not marked personal in
        # the events); a document of an erased family does not print it next to the marker.
        return Member(name=ERASED, role=str(raw.get("role") or "other"), pesel=ERASED)
    birth = raw.get("birth_date")
    return Member(
        name=name,
        role=str(raw.get("role") or "other"),
        birth_date=None if birth == ERASED else _day(birth),
        pesel=raw.get("pesel"),
    )


def _members(raw: Iterable[Json]) -> tuple[Member, ...]:
    return tuple(_member(m) for m in raw)


class DocumentBuilder:
    """Builds one document model from `SourceData`. `texts` only names people whose names
    were not given (a role label)."""

    def __init__(self, data: SourceData, *, texts: Catalogue | None = None) -> None:
        self.data = data
        self.texts = texts or catalogue()
        self.names = _Names(data.people, self.texts)

    # -- the parts every document starts from --------------------------------------------
    @property
    def case(self) -> Json:
        if self.data.case is None:
            raise _unavailable("brak akt sprawy", "the case file is missing")
        return self.data.case

    @property
    def referral(self) -> Json:
        if self.data.referral is None:
            raise _unavailable("brak zgłoszenia", "the referral is missing")
        return self.data.referral

    def heading(self) -> CaseHeading:
        if self.data.case is not None:
            case = self.data.case
            return CaseHeading(
                reference=reference("AR", case["case_id"], _day(case.get("opened_on"))),
                district=district_name(str(case["district"])),
                members=_members(case.get("members") or ()),
            )
        referral = self.referral
        return CaseHeading(
            reference=reference("ZG", referral["referral_id"], _day(referral["referred_on"])),
            district=district_name(str(referral["district"])),
            members=_members(referral.get("members") or ()),
        )

    def build(self, kind: DocumentKind | str, selection: Selection | None = None) -> Any:
        selection = selection or Selection()
        match DocumentKind(kind):
            case DocumentKind.DECISION:
                return self.decision()
            case DocumentKind.ASSIGNMENT_LETTER:
                return self.assignment_letter()
            case DocumentKind.CONSENT_FORM:
                return self.consent_form()
            case DocumentKind.WORK_PLAN:
                return self.work_plan(selection.plan_version)
            case DocumentKind.VISIT_DIARY:
                return self.visit_diary(selection.period_start, selection.period_end)
            case DocumentKind.ASSESSMENT:
                return self.assessment(selection.assessed_on)
            case DocumentKind.COURT_OPINION:
                return self.court_opinion(selection.request_id)
            case DocumentKind.CLOSURE_NOTE:
                return self.closure_note()
            case DocumentKind.CASE_FILE:
                return self.case_file()

    # -- one method per document ---------------------------------------------------------
    def decision(self) -> Decision:
        referral = self.referral
        status = str(referral.get("status"))
        decision = referral.get("decision") or None
        outcome = "pending"
        if decision is not None:
            outcome = "declined" if status == "declined" else "granted"
        interview = referral.get("interview") or None
        return Decision(
            heading=self.heading(),
            outcome=outcome,
            source=str(referral["source"]),
            sender_reference=referral.get("sender_reference"),
            referred_on=_must_day(referral["referred_on"]),
            reason=str(referral.get("reason") or ""),
            obligatory=bool(referral.get("obligatory")),
            interview_on=_day(interview.get("conducted_on")) if interview else None,
            interview_by=str(interview.get("social_worker")) if interview else None,
            decided_on=_day(decision.get("decided_on")) if decision else None,
            decided_by=self.names.actor(decision.get("decided_by")) if decision else None,
            justification=str(decision.get("reason") or "") if decision else "",
        )

    def _assignment(self, entry: Json) -> AssignmentLetter:
        return AssignmentLetter(
            heading=self.heading(),
            assistant=self.names.assistant(entry.get("assistant_id")),
            assigned_on=_day(entry.get("assigned_on")),
            previous_assistant=self.names.assistant(entry.get("previous_assistant_id")),
            obligatory=bool(self.case.get("obligatory")),
            assigned_by=self.names.actor(entry.get("recorded_by")),
        )

    def assignment_letter(self) -> AssignmentLetter:
        assignments = self.case.get("assignments") or []
        if not assignments:
            raise _unavailable(
                "rodzinie nie wyznaczono jeszcze asystenta", "no assistant is assigned yet"
            )
        return self._assignment(assignments[-1])

    def consent_form(self) -> ConsentForm:
        case = self.case
        consent = case.get("consent") or None
        return ConsentForm(
            heading=self.heading(),
            obligatory=bool(case.get("obligatory")),
            given_on=_day(consent.get("given_on")) if consent else None,
            signed_by=tuple(str(s) for s in consent.get("signed_by") or ()) if consent else (),
        )

    def _plan(self, entry: Json) -> WorkPlan:
        return WorkPlan(
            heading=self.heading(),
            version=int(entry["plan_version"]),
            updated_on=_must_day(entry["updated_on"]),
            actions=tuple(
                PlanAction(
                    description=str(a["description"]),
                    deadline=_must_day(a["deadline"]),
                    expected_effect=str(a["expected_effect"]),
                )
                for a in entry.get("actions") or ()
            ),
            agreed_with_social_worker=str(entry.get("agreed_with_social_worker") or "—"),
            foster_care_coordinator=entry.get("foster_care_coordinator"),
            foster_care_plan_reference=entry.get("foster_care_plan_reference"),
            assistant=self.names.assistant(self.case.get("assistant_id"))
            or self.names.actor(entry.get("recorded_by")),
        )

    def work_plan(self, version: int | None = None) -> WorkPlan:
        history = self.case.get("plan_history") or []
        if not history:
            raise _unavailable("nie sporządzono jeszcze planu pracy", "there is no work plan yet")
        if version is None:
            return self._plan(history[-1])
        for entry in history:
            if int(entry["plan_version"]) == version:
                return self._plan(entry)
        raise _unavailable(
            f"nie ma wersji {version} planu pracy", f"there is no version {version} of the plan"
        )

    def _visits(self) -> list[Visit]:
        visits = [
            Visit(
                visited_on=_must_day(v["visited_on"]),
                duration_minutes=int(v["duration_minutes"]),
                place=str(v.get("place") or "other"),
                present=tuple(str(p) for p in v.get("present") or ()),
                topics=tuple(str(t) for t in v.get("topics") or ()),
                note=str(v.get("note") or ""),
                assistant=self.names.assistant(v.get("assistant_id")),
            )
            for v in self.case.get("visits") or ()
        ]
        return sorted(visits, key=lambda v: v.visited_on)

    def visit_diary(self, start: date | None = None, end: date | None = None) -> VisitDiary:
        case = self.case
        visits = self._visits()
        first = visits[0].visited_on if visits else None
        last = visits[-1].visited_on if visits else None
        # The whole time of the case by default: from its opening (or the first visit, if
        # earlier) to its closure or the last visit, whichever is later.
        known_starts = [d for d in (first, _day(case.get("opened_on"))) if d is not None]
        start = start or (min(known_starts) if known_starts else None)
        known_ends = [d for d in (last, _day(case.get("closed_on"))) if d is not None]
        end = end or (max(known_ends) if known_ends else start)
        if start is None or end is None:
            raise _unavailable("sprawa nie ma jeszcze dat", "the case has no dates yet")
        if end < start:
            raise _unavailable(
                "koniec okresu jest przed jego początkiem", "the period ends before it starts"
            )
        return VisitDiary(
            heading=self.heading(),
            period_start=start,
            period_end=end,
            visits=tuple(v for v in visits if start <= v.visited_on <= end),
        )

    def _assessments(self) -> list[Assessment]:
        case = self.case
        visits = self._visits()
        started = _day(case.get("work_started_on"))
        previous = started
        result = []
        for entry in sorted(case.get("assessments") or (), key=lambda a: str(a["assessed_on"])):
            assessed_on = _must_day(entry["assessed_on"])
            since = previous or date.min
            result.append(
                Assessment(
                    heading=self.heading(),
                    assessed_on=assessed_on,
                    submitted_to_head_on=_must_day(entry["submitted_to_head_on"]),
                    next_assessment_due=_must_day(entry["next_assessment_due"]),
                    summary=str(entry.get("summary") or ""),
                    assistant=self.names.actor(entry.get("recorded_by")),
                    work_started_on=started,
                    visits_since_previous=sum(
                        1 for v in visits if since <= v.visited_on <= assessed_on
                    ),
                )
            )
            previous = assessed_on
        return result

    def assessment(self, assessed_on: date | None = None) -> Assessment:
        assessments = self._assessments()
        if not assessments:
            raise _unavailable("nie sporządzono jeszcze oceny", "there is no assessment yet")
        if assessed_on is None:
            return assessments[-1]
        for found in assessments:
            if found.assessed_on == assessed_on:
                return found
        raise _unavailable("nie ma oceny z tego dnia", "there is no assessment of that day")

    def _court_opinions(self) -> list[tuple[str, CourtOpinion]]:
        return [
            (
                str(entry.get("request_id")),
                CourtOpinion(
                    heading=self.heading(),
                    court_name=str(entry["court_name"]),
                    case_signature=str(entry["case_signature"]),
                    requested_on=_must_day(entry["requested_on"]),
                    deadline=_must_day(entry["deadline"]),
                    submitted_on=_day(entry.get("submitted_on")),
                    opinion=entry.get("opinion"),
                    overdue=bool(entry.get("overdue")),
                    assistant=self.names.assistant(self.case.get("assistant_id")),
                ),
            )
            for entry in self.case.get("court_opinions") or ()
        ]

    def court_opinion(self, request_id: str | None = None) -> CourtOpinion:
        opinions = self._court_opinions()
        if not opinions:
            raise _unavailable("sąd nie prosił o opinię", "no court asked for an opinion")
        if request_id is None:
            return opinions[-1][1]
        for found_id, opinion in opinions:
            if found_id == str(request_id):
                return opinion
        raise _unavailable("nie ma takiej prośby sądu", "there is no such court request")

    def _closures(self) -> list[ClosureNote]:
        case = self.case
        notes: list[ClosureNote] = []
        visits = len(case.get("visits") or ())
        for entry in case.get("closures") or ():
            event = entry.get("event")
            if event == "CaseClosed":
                notes.append(
                    ClosureNote(
                        heading=self.heading(),
                        closed_on=_must_day(entry["closed_on"]),
                        reason=str(entry["reason"]),
                        note=str(entry.get("note") or ""),
                        children_placed_in_foster_care=int(
                            entry.get("children_placed_in_foster_care") or 0
                        ),
                        monitoring_until=_day(entry.get("monitoring_until")),
                        work_started_on=_day(case.get("work_started_on")),
                        visits=visits,
                        closed_by=self.names.actor(entry.get("recorded_by")),
                    )
                )
            elif event == "CaseReopened" and notes:
                notes[-1] = notes[-1].model_copy(
                    update={
                        "reopened_on": _day(entry.get("reopened_on")),
                        "reopening_reason": str(entry.get("reason") or ""),
                    }
                )
            elif event == "MonitoringEnded" and notes:
                notes[-1] = notes[-1].model_copy(
                    update={"monitoring_ended_on": _day(entry.get("ended_on"))}
                )
        return notes

    def closure_note(self) -> ClosureNote:
        notes = self._closures()
        if not notes:
            raise _unavailable(
                "praca z rodziną nie została zakończona", "work with the family has not ended"
            )
        return notes[-1]

    def history(self) -> tuple[HistoryEntry, ...]:
        """Who did what and when, from every entry the case file and the referral carry."""
        entries = [
            (_must_day(day), _instant(at), who, what)
            for day, at, who, what in (*self._referral_history(), *self._case_history())
        ]
        # An entry with no recorded time sorts at the start of its day.
        entries.sort(key=lambda e: (e[0], e[1] or datetime.combine(e[0], time.min, tzinfo=UTC)))
        return tuple(
            HistoryEntry(
                at=(at.astimezone(WARSAW) if at else datetime.combine(day, time.min)),
                who=who,
                what=what,
            )
            for day, at, who, what in entries
        )

    def _referral_history(self) -> Iterator[_RawEntry]:
        """The referral's entries: referred, interviewed, decided."""
        texts, names = self.texts, self.names
        referral = self.data.referral
        if referral is None:
            return
        yield (
            referral["referred_on"],
            None,
            "—",
            texts.text("event.referred", source=texts.label("source", referral["source"])),
        )
        if interview := referral.get("interview"):
            yield (
                interview["conducted_on"],
                None,
                str(interview.get("social_worker") or names.actor(interview.get("recorded_by"))),
                texts.text("event.interview"),
            )
        if decision := referral.get("decision"):
            declined = str(referral.get("status")) == "declined"
            yield (
                decision["decided_on"],
                None,
                names.actor(decision.get("decided_by")),
                texts.text("event.declined" if declined else "event.granted"),
            )

    def _case_history(self) -> Iterator[_RawEntry]:
        """The case file's entries, kind by kind, in the order the history always listed them."""
        texts, names = self.texts, self.names
        case = self.data.case
        if case is None:
            return
        if case.get("opened_on"):
            yield case["opened_on"], None, "—", texts.text("event.opened")
        for a in case.get("assignments") or ():
            yield (
                a["assigned_on"],
                a.get("recorded_at"),
                names.actor(a.get("recorded_by")),
                texts.text("event.assigned", assistant=names.assistant(a.get("assistant_id"))),
            )
        if consent := case.get("consent"):
            yield (
                consent["given_on"],
                consent.get("recorded_at"),
                names.actor(consent.get("recorded_by")),
                texts.text("event.consent"),
            )
        for p in case.get("plan_history") or ():
            yield (
                p["updated_on"],
                p.get("recorded_at"),
                names.actor(p.get("recorded_by")),
                texts.text("event.plan", version=p["plan_version"]),
            )
        for v in case.get("visits") or ():
            yield (
                v["visited_on"],
                v.get("recorded_at"),
                names.actor(v.get("recorded_by")),
                texts.text("event.visit", minutes=v["duration_minutes"]),
            )
        for s in case.get("assessments") or ():
            yield (
                s["assessed_on"],
                s.get("recorded_at"),
                names.actor(s.get("recorded_by")),
                texts.text("event.assessment"),
            )
        yield from self._court_history(case)
        for c in case.get("closures") or ():
            yield from self._closure_history(c)
        for t in case.get("transfers") or ():
            yield from self._transfer_history(t)
        for r in case.get("further_referrals") or ():
            yield (
                r["referred_on"],
                r.get("recorded_at"),
                names.actor(r.get("recorded_by")),
                texts.text("event.further_referral", source=texts.label("source", r.get("source"))),
            )

    def _court_history(self, case: Json) -> Iterator[_RawEntry]:
        """Each court's request for an opinion, and its sending once the assistant sent it."""
        texts, names = self.texts, self.names
        for c in case.get("court_opinions") or ():
            yield (
                c["requested_on"],
                c.get("recorded_at"),
                names.actor(c.get("recorded_by")),
                texts.text("event.court_requested", signature=c["case_signature"]),
            )
            if c.get("submitted_on"):
                who = names.assistant(case.get("assistant_id")) or "—"
                yield c["submitted_on"], None, who, texts.text("event.court_submitted")

    def _closure_history(self, c: Json) -> Iterator[_RawEntry]:
        """A closure, a reopening or the end of monitoring; other kinds are not listed."""
        texts = self.texts
        who = self.names.actor(c.get("recorded_by"))
        match c.get("event"):
            case "CaseClosed":
                reason = texts.label("closure_reason", c.get("reason"))
                yield (
                    c["closed_on"],
                    c.get("recorded_at"),
                    who,
                    texts.text("event.closed", reason=reason),
                )
            case "CaseReopened":
                yield c["reopened_on"], c.get("recorded_at"), who, texts.text("event.reopened")
            case "MonitoringEnded":
                yield (
                    c["ended_on"],
                    c.get("recorded_at"),
                    who,
                    texts.text("event.monitoring_ended"),
                )

    def _transfer_history(self, t: Json) -> Iterator[_RawEntry]:
        """A transfer to another district, and its acceptance or refusal there."""
        texts = self.texts
        who = self.names.actor(t.get("recorded_by"))
        match t.get("event"):
            case "CaseTransferred":
                yield (
                    t["transferred_on"],
                    t.get("recorded_at"),
                    who,
                    texts.text(
                        "event.transferred",
                        from_district=district_name(str(t["from_district"])),
                        to_district=district_name(str(t["to_district"])),
                    ),
                )
            case "TransferAccepted":
                yield (
                    t["decided_on"],
                    t.get("recorded_at"),
                    who,
                    texts.text("event.transfer_accepted"),
                )
            case "TransferDeclined":
                yield (
                    t["decided_on"],
                    t.get("recorded_at"),
                    who,
                    texts.text("event.transfer_declined", reason=t.get("reason", "")),
                )

    def case_file(self) -> CaseFile:
        case = self.case
        decision = self.decision() if self.data.referral is not None else None
        plans = tuple(self._plan(p) for p in case.get("plan_history") or ())
        visits = self._visits()
        diary = self.visit_diary() if visits else None
        return CaseFile(
            heading=self.heading(),
            status=str(case.get("status")),
            opened_on=_day(case.get("opened_on")),
            work_started_on=_day(case.get("work_started_on")),
            consent_on=_day(case.get("consent_on")),
            districts=tuple(district_name(str(d)) for d in case.get("districts") or ()),
            decision=decision,
            assignments=tuple(self._assignment(a) for a in case.get("assignments") or ()),
            consent=self.consent_form(),
            plans=plans,
            diary=diary,
            assessments=tuple(self._assessments()),
            court_opinions=tuple(o for _, o in self._court_opinions()),
            closures=tuple(self._closures()),
            history=self.history(),
        )
