"""The task rules, given projected rows and a fixed day: no database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from services.reporting.application.digest import Notice, new_notices, render
from services.reporting.application.projector import family_initials
from services.reporting.application.tasks import (
    CaseRow,
    Kind,
    OpinionRow,
    ReferralRow,
    Rows,
    assistant_tasks,
    case_number,
    days_pl,
    head_tasks,
    summary,
)
from shared.events import ERASED_MARK, FamilyMember

OCHOTA, WOLA = "1465068", "1465188"
TODAY = date(2026, 6, 15)
ME, OTHER = uuid.uuid4(), uuid.uuid4()


def active(**values: object) -> CaseRow:
    base: dict[str, object] = {
        "case_id": uuid.uuid4(),
        "district": OCHOTA,
        "status": "active",
        "opened_on": date(2026, 1, 1),
        "assistant_id": ME,
        "assigned_on": date(2026, 1, 2),
        "assistant_since": date(2026, 1, 2),
        "consent_on": date(2026, 1, 5),
        "last_visit_on": TODAY,
        "next_assessment_due": TODAY + timedelta(days=60),
        "family_initials": "J.K.",
    }
    return CaseRow(**{**base, **values})  # type: ignore[arg-type]


def kinds(tasks: list) -> list[str]:  # type: ignore[type-arg]
    return [t.kind.value for t in tasks]


def test_a_family_in_good_order_gives_no_task() -> None:
    assert assistant_tasks(Rows(cases=(active(),)), ME, TODAY) == []


def test_an_assessment_due_within_14_days_and_one_overdue() -> None:
    soon = active(next_assessment_due=TODAY + timedelta(days=14))
    later = active(next_assessment_due=TODAY + timedelta(days=15))
    late = active(next_assessment_due=TODAY - timedelta(days=3))
    tasks = assistant_tasks(Rows(cases=(soon, later, late)), ME, TODAY)
    assert [(t.kind, t.subject_id, t.status, t.days) for t in tasks] == [
        (Kind.ASSESSMENT, late.case_id, "overdue", -3),
        (Kind.ASSESSMENT, soon.case_id, "due", 14),
    ]
    assert tasks[0].when == "po terminie od 3 dni"
    assert tasks[1].when == "termin za 14 dni"
    assert tasks[0].key == f"assessment:{late.case_id}:2026-06-12"
    assert tasks[0].number == case_number(late.case_id)
    assert tasks[0].number.startswith("AR-") and len(tasks[0].number) == 11


def test_court_opinions_pending_due_and_overdue_not_submitted() -> None:
    case = active()
    rows = Rows(
        cases=(case,),
        opinions=(
            OpinionRow(uuid.uuid4(), case.case_id, OCHOTA, TODAY + timedelta(days=30)),
            OpinionRow(uuid.uuid4(), case.case_id, OCHOTA, TODAY - timedelta(days=1)),
            OpinionRow(uuid.uuid4(), case.case_id, OCHOTA, TODAY - timedelta(days=9), TODAY),
        ),
    )
    tasks = assistant_tasks(rows, ME, TODAY)
    assert [(t.kind, t.status, t.days) for t in tasks] == [
        (Kind.COURT_OPINION, "overdue", -1),
        (Kind.COURT_OPINION, "due", 30),
    ]
    assert tasks[0].when == "po terminie od 1 dnia"


def test_not_seen_for_7_days_counts_from_the_last_visit_or_the_takeover() -> None:
    seen_6 = active(last_visit_on=TODAY - timedelta(days=6))
    seen_7 = active(last_visit_on=TODAY - timedelta(days=7))
    never_seen = active(last_visit_on=None, assistant_since=TODAY - timedelta(days=10))
    # Taken over from another assistant 2 days ago: the old visit does not count against them.
    taken_over = active(
        last_visit_on=TODAY - timedelta(days=30), assistant_since=TODAY - timedelta(days=2)
    )
    tasks = assistant_tasks(Rows(cases=(seen_6, seen_7, never_seen, taken_over)), ME, TODAY)
    assert {(t.subject_id, t.due, t.status) for t in tasks} == {
        (seen_7.case_id, TODAY, "due"),
        (never_seen.case_id, TODAY - timedelta(days=3), "overdue"),
    }
    assert all(t.kind is Kind.NOT_SEEN for t in tasks)
    assert [t.when for t in tasks if t.status == "due"] == ["termin dziś"]


def test_consent_missing_14_days_after_the_first_assignment() -> None:
    recent = active(consent_on=None, assigned_on=TODAY - timedelta(days=13))
    due = active(consent_on=None, assigned_on=TODAY - timedelta(days=14))
    late = active(consent_on=None, assigned_on=TODAY - timedelta(days=20))
    given = active(consent_on=TODAY, assigned_on=TODAY - timedelta(days=20))
    tasks = assistant_tasks(Rows(cases=(recent, due, late, given)), ME, TODAY)
    assert [(t.kind, t.subject_id, t.status) for t in tasks] == [
        (Kind.CONSENT, late.case_id, "overdue"),
        (Kind.CONSENT, due.case_id, "due"),
    ]


def test_an_assistant_sees_only_their_active_families() -> None:
    late = TODAY - timedelta(days=1)
    mine = active(next_assessment_due=late)
    other = active(next_assessment_due=late, assistant_id=OTHER)
    closed = active(next_assessment_due=late, status="closed")
    tasks = assistant_tasks(Rows(cases=(mine, other, closed)), ME, TODAY)
    assert [t.subject_id for t in tasks] == [mine.case_id]


def test_the_head_s_list_of_a_district() -> None:
    waiting = CaseRow(
        uuid.uuid4(), OCHOTA, "waiting", TODAY - timedelta(days=4), family_initials="A.B."
    )
    waiting_elsewhere = CaseRow(uuid.uuid4(), WOLA, "waiting", TODAY)
    late = active(next_assessment_due=TODAY - timedelta(days=2))
    soon = active(next_assessment_due=TODAY + timedelta(days=2), assistant_id=OTHER)
    old = ReferralRow(uuid.uuid4(), OCHOTA, "awaiting_decision", TODAY - timedelta(days=8))
    fresh = ReferralRow(uuid.uuid4(), OCHOTA, "awaiting_decision", TODAY - timedelta(days=6))
    decided = ReferralRow(uuid.uuid4(), OCHOTA, "granted", TODAY - timedelta(days=30))
    rows = Rows(cases=(waiting, waiting_elsewhere, late, soon), referrals=(old, fresh, decided))
    tasks = head_tasks(rows, OCHOTA, TODAY)
    assert [(t.kind, t.subject_id, t.status) for t in tasks] == [
        (Kind.WAITING, waiting.case_id, "overdue"),  # due 11.06: waiting since
        (Kind.ASSESSMENT, late.case_id, "overdue"),  # due 13.06
        (Kind.REFERRAL_DECISION, old.referral_id, "overdue"),  # due 14.06: referred + 7
    ]
    decision = tasks[2].as_dict()
    assert decision["referral_id"] == old.referral_id and decision["case_id"] is None
    assert decision["number"].startswith("ZG-")
    assert summary(tasks) == {
        "total": 3,
        "overdue": 3,
        "due": 0,
        "by_kind": {"assessment": 1, "referral_decision": 1, "waiting_for_assistant": 1},
    }
    assert [t.subject_id for t in head_tasks(rows, WOLA, TODAY)] == [waiting_elsewhere.case_id]


def test_initials_of_the_first_adult_and_none_once_erased() -> None:
    child = FamilyMember(
        role="child",
        first_name="ola",
        last_name="nowak",
        birth_date=date(2016, 1, 1),
        document_number="ABC123",
    )
    mother = FamilyMember(
        role="parent",
        first_name="Żaneta",
        last_name="Łukasik",
        birth_date=date(1990, 1, 1),
        document_number="ABC124",
    )
    assert family_initials((child, mother)) == "Ż.Ł."
    assert family_initials((child,)) == "O.N."
    erased = FamilyMember(role="parent", first_name=ERASED_MARK, last_name=ERASED_MARK)
    assert family_initials((erased, child)) is None


def test_the_digest_announces_an_item_when_due_and_again_when_overdue_only() -> None:
    case = active(next_assessment_due=TODAY + timedelta(days=3))
    [task] = assistant_tasks(Rows(cases=(case,)), ME, TODAY)
    assert [n.notice for n in new_notices([task], set())] == ["due"]
    assert new_notices([task], {(task.key, "due")}) == []
    later = TODAY + timedelta(days=4)
    [overdue] = assistant_tasks(Rows(cases=(case,)), ME, later)
    assert overdue.key == task.key
    assert [n.notice for n in new_notices([overdue], {(task.key, "due")})] == ["overdue"]


def test_the_digest_text_is_polish_and_names_a_family_by_number_and_initials() -> None:
    case = active(next_assessment_due=TODAY - timedelta(days=1), family_initials="Ż.Ł.")
    [task] = assistant_tasks(Rows(cases=(case,)), ME, TODAY)
    subject, body = render([Notice(task, "overdue")], TODAY)
    assert subject == "Asysta: przypomnienia na dzień 15.06.2026 (pozycji: 1)"
    assert f"- {task.number} (Ż.Ł.): okresowa ocena sytuacji rodziny; termin 14.06.2026" in body
    assert "Po terminie:" in body and str(case.case_id) not in body


def test_days_in_polish() -> None:
    case = active(next_assessment_due=TODAY + timedelta(days=1))
    [task] = assistant_tasks(Rows(cases=(case,)), ME, TODAY)
    assert task.when == "termin za 1 dzień"
    assert days_pl(3, since=True) == "3 dni" and days_pl(1, since=True) == "1 dnia"


def test_the_head_sees_an_overdue_court_opinion_of_a_family_still_waiting() -> None:
    waiting = CaseRow(uuid.uuid4(), OCHOTA, "waiting", TODAY - timedelta(days=1))
    rows = Rows(
        cases=(waiting,),
        opinions=(
            OpinionRow(uuid.uuid4(), waiting.case_id, OCHOTA, TODAY - timedelta(days=2)),
            OpinionRow(uuid.uuid4(), waiting.case_id, OCHOTA, TODAY + timedelta(days=2)),
        ),
    )
    assert [(t.kind, t.status) for t in head_tasks(rows, OCHOTA, TODAY)] == [
        (Kind.COURT_OPINION, "overdue"),
        (Kind.WAITING, "overdue"),
    ]
