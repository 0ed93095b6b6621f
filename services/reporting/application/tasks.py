"""Each person's task list, computed from the projections when asked for.

The rules are pure functions of projected rows and a date (`assistant_tasks`, `head_tasks`),
so they are tested without a database; `load_rows` reads the rows they need. A task shows no
more of a family than the case's number and the family's initials: the list is also what the
daily e-mail digest says, and e-mail is not a safe channel.

- An assistant's: periodic assessments due in the next 14 days or overdue; court opinions
  requested and not yet submitted; families not seen for 7 days (since the last visit, or since
  the assistant took the family over); consent not recorded 14 days after the first assignment.
- A head's, per district: referrals waiting for a decision over 7 days; families waiting for an
  assistant; and every overdue item of the district (a court opinion of a family still
  waiting for an assistant included).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.reporting.adapters.tables import cases_view, court_opinions_view, referrals_view
from shared.domain.labels import label

ASSESSMENT_HORIZON = timedelta(days=14)
NOT_SEEN_AFTER = timedelta(days=7)
CONSENT_WITHIN = timedelta(days=14)
DECISION_WITHIN = timedelta(days=7)


class Kind(StrEnum):
    ASSESSMENT = "assessment"
    COURT_OPINION = "court_opinion"
    NOT_SEEN = "not_seen"
    CONSENT = "consent"
    REFERRAL_DECISION = "referral_decision"
    WAITING = "waiting_for_assistant"


# What each kind reads as (in the answer's `title` and the Polish digest): the one catalogue.
TITLES = {kind: label("task_kind", kind.value) for kind in Kind}


def case_number(case_id: UUID) -> str:
    """The number a case is named by outside the system (an e-mail, a phone call): stable,
    derived from its id, and says nothing about the family."""
    return f"AR-{case_id.hex[:8].upper()}"


def referral_number(referral_id: UUID) -> str:
    return f"ZG-{referral_id.hex[:8].upper()}"


def days_pl(n: int, *, since: bool = False) -> str:
    """A number of days in Polish: "za 1 dzień", "za 5 dni"; after "od" (`since`) the
    singular is genitive: "od 1 dnia"."""
    if n == 1:
        return "1 dnia" if since else "1 dzień"
    return f"{n} dni"


@dataclass(frozen=True)
class Task:
    kind: Kind
    subject_id: UUID  # the case's id, or the referral's for a decision
    number: str
    family_initials: str | None
    district: str
    assistant_id: UUID | None
    due: date
    today: date

    @property
    def key(self) -> str:
        """Stable while the task is the same: a new deadline is a new task."""
        return f"{self.kind.value}:{self.subject_id}:{self.due.isoformat()}"

    @property
    def days(self) -> int:
        """Days left until the due date; negative once overdue."""
        return (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        return self.due < self.today

    @property
    def status(self) -> str:
        return "overdue" if self.overdue else "due"

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def when(self) -> str:
        if self.overdue:
            return f"po terminie od {days_pl(-self.days, since=True)}"
        if self.days == 0:
            return "termin dziś"
        return f"termin za {days_pl(self.days)}"

    def as_dict(self) -> dict[str, Any]:
        is_referral = self.kind is Kind.REFERRAL_DECISION
        return {
            "key": self.key,
            "kind": self.kind.value,
            "title": self.title,
            "case_id": None if is_referral else self.subject_id,
            "referral_id": self.subject_id if is_referral else None,
            "number": self.number,
            "family_initials": self.family_initials,
            "district": self.district,
            "assistant_id": self.assistant_id,
            "due": self.due,
            "status": self.status,
            "days": self.days,
            "when": self.when,
        }


@dataclass(frozen=True)
class CaseRow:
    case_id: UUID
    district: str
    status: str
    opened_on: date
    assistant_id: UUID | None = None
    assigned_on: date | None = None
    assistant_since: date | None = None
    consent_on: date | None = None
    last_visit_on: date | None = None
    next_assessment_due: date | None = None
    family_initials: str | None = None


@dataclass(frozen=True)
class OpinionRow:
    request_id: UUID
    case_id: UUID
    district: str
    deadline: date
    submitted_on: date | None = None


@dataclass(frozen=True)
class ReferralRow:
    referral_id: UUID
    district: str
    status: str
    referred_on: date
    family_initials: str | None = None


@dataclass(frozen=True)
class Rows:
    cases: tuple[CaseRow, ...] = ()
    opinions: tuple[OpinionRow, ...] = ()
    referrals: tuple[ReferralRow, ...] = ()


def _task(kind: Kind, case: CaseRow, due: date, today: date) -> Task:
    return Task(
        kind=kind,
        subject_id=case.case_id,
        number=case_number(case.case_id),
        family_initials=case.family_initials,
        district=case.district,
        assistant_id=case.assistant_id,
        due=due,
        today=today,
    )


def _case_tasks(case: CaseRow, opinions: Iterable[OpinionRow], today: date) -> list[Task]:
    """The tasks of one family an assistant works with."""
    if case.status != "active" or case.assistant_id is None:
        return []
    tasks: list[Task] = []
    due = case.next_assessment_due
    if due is not None and due <= today + ASSESSMENT_HORIZON:
        tasks.append(_task(Kind.ASSESSMENT, case, due, today))
    tasks += [
        _task(Kind.COURT_OPINION, case, o.deadline, today)
        for o in opinions
        if o.submitted_on is None
    ]
    seen = [d for d in (case.last_visit_on, case.assistant_since or case.assigned_on) if d]
    if seen and max(seen) + NOT_SEEN_AFTER <= today:
        tasks.append(_task(Kind.NOT_SEEN, case, max(seen) + NOT_SEEN_AFTER, today))
    if case.consent_on is None and case.assigned_on is not None:
        consent_due = case.assigned_on + CONSENT_WITHIN
        if consent_due <= today:
            tasks.append(_task(Kind.CONSENT, case, consent_due, today))
    return tasks


def _ordered(tasks: Iterable[Task]) -> list[Task]:
    # Overdue first (the oldest first), then by due date; the key breaks ties.
    unique = {t.key: t for t in tasks}
    return sorted(unique.values(), key=lambda t: (t.due, t.kind.value, t.number, t.key))


def _opinions_by_case(rows: Rows) -> dict[UUID, list[OpinionRow]]:
    by_case: dict[UUID, list[OpinionRow]] = {}
    for o in rows.opinions:
        by_case.setdefault(o.case_id, []).append(o)
    return by_case


def assistant_tasks(rows: Rows, assistant_id: UUID, today: date) -> list[Task]:
    """The assistant's own list: the families assigned to them."""
    by_case = _opinions_by_case(rows)
    return _ordered(
        t
        for case in rows.cases
        if case.assistant_id == assistant_id
        for t in _case_tasks(case, by_case.get(case.case_id, ()), today)
    )


def head_tasks(rows: Rows, district: str, today: date) -> list[Task]:
    """A head's list for one district."""
    by_case = _opinions_by_case(rows)
    tasks: list[Task] = [
        Task(
            kind=Kind.REFERRAL_DECISION,
            subject_id=r.referral_id,
            number=referral_number(r.referral_id),
            family_initials=r.family_initials,
            district=r.district,
            assistant_id=None,
            due=r.referred_on + DECISION_WITHIN,
            today=today,
        )
        for r in rows.referrals
        if r.district == district
        and r.status == "awaiting_decision"
        and r.referred_on + DECISION_WITHIN <= today
    ]
    for case in rows.cases:
        if case.district != district:
            continue
        if case.status == "waiting":
            tasks.append(_task(Kind.WAITING, case, case.opened_on, today))
            # A court's deadline runs whether or not the family has an assistant yet.
            tasks += [
                _task(Kind.COURT_OPINION, case, o.deadline, today)
                for o in by_case.get(case.case_id, ())
                if o.submitted_on is None and o.deadline < today
            ]
        tasks += [t for t in _case_tasks(case, by_case.get(case.case_id, ()), today) if t.overdue]
    return _ordered(tasks)


def summary(tasks: Iterable[Task]) -> dict[str, Any]:
    listed = list(tasks)
    return {
        "total": len(listed),
        "overdue": sum(t.overdue for t in listed),
        "due": sum(not t.overdue for t in listed),
        "by_kind": dict(sorted(Counter(t.kind.value for t in listed).items())),
    }


async def load_rows(
    conn: AsyncConnection,
    *,
    assistant_id: UUID | None = None,
    districts: Iterable[str] | None = None,
) -> Rows:
    """The rows the rules need: an assistant's active families, or the open matters of some
    districts (None: every district)."""
    c = cases_view.c
    cases = select(
        c.case_id,
        c.district,
        c.status,
        c.opened_on,
        c.assistant_id,
        c.assigned_on,
        c.assistant_since,
        c.consent_on,
        c.last_visit_on,
        c.next_assessment_due,
        c.family_initials,
    ).where(c.status.in_(("active", "waiting")))
    chosen = None if districts is None else sorted(set(districts))
    if assistant_id is not None:
        cases = cases.where(c.assistant_id == assistant_id)
    if chosen is not None:
        cases = cases.where(c.district.in_(chosen))
    case_rows = tuple(CaseRow(**row._mapping) for row in await conn.execute(cases))
    listed = [row.case_id for row in case_rows]
    o = court_opinions_view.c
    opinions: tuple[OpinionRow, ...] = ()
    if listed:
        opinion_query = select(o.request_id, o.case_id, o.district, o.deadline, o.submitted_on)
        opinion_query = opinion_query.where(o.submitted_on.is_(None))
        if assistant_id is not None or chosen is not None:
            opinion_query = opinion_query.where(o.case_id.in_(listed))
        opinions = tuple(OpinionRow(**row._mapping) for row in await conn.execute(opinion_query))
    referrals: tuple[ReferralRow, ...] = ()
    if assistant_id is None:
        r = referrals_view.c
        referral_query = select(
            r.referral_id, r.district, r.status, r.referred_on, r.family_initials
        ).where(r.status == "awaiting_decision")
        if chosen is not None:
            referral_query = referral_query.where(r.district.in_(chosen))
        referrals = tuple(ReferralRow(**row._mapping) for row in await conn.execute(referral_query))
    return Rows(cases=case_rows, opinions=opinions, referrals=referrals)


def districts_of(rows: Rows) -> list[str]:
    return sorted({c.district for c in rows.cases} | {r.district for r in rows.referrals})
