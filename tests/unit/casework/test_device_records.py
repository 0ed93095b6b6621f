"""The merge rules of records made on a device (offline): given the case's events (and the held
record's), when a device record arrives, then the case's events or a review item."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime

import pytest

from services.casework.domain.case import CASE, Case
from services.casework.domain.case.errors import CaseNotOpened, DateOutOfRange
from services.casework.domain.device import HELD_RECORD, HeldRecord, HeldStatus
from services.casework.domain.device import decide as rules
from services.casework.domain.device.commands import (
    ApplyHeldRecord,
    DiscardHeldRecord,
    ReceiveDeviceRecord,
    in_arrival_order,
)
from services.casework.domain.device.decide import Outcome
from services.casework.domain.device.errors import (
    HeldRecordAlreadyDecided,
    IncompleteDeviceRecord,
    RecordAlreadyInCase,
)
from shared.events import (
    AssistantAssigned,
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    ClosureReason,
    DeviceRecordContent,
    DeviceRecordHeld,
    DeviceRecordKind,
    DomainEvent,
    FamilyConsentRecorded,
    FamilyMember,
    HeldRecordApplied,
    HeldRecordDiscarded,
    HoldReason,
    PlanNoteAdded,
    ReferralSource,
    VisitLogged,
    VisitPlace,
    VisitTopic,
    WorkStarted,
)
from shared.events.casework import CaseStatus
from tests.unit.given import given

FAMILY, CASE_ID = uuid.uuid4(), uuid.uuid4()
A1, A2 = uuid.uuid4(), uuid.uuid4()
OCHOTA, WOLA = "1465068", "1465188"
TODAY = date(2026, 3, 2)
MEMBERS = (FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"),)

OPENED = CaseOpened(
    referral_id=uuid.uuid4(),
    family_id=FAMILY,
    district=OCHOTA,
    source=ReferralSource.SCHOOL,
    obligatory=False,
    opened_on=date(2026, 1, 10),
    members=MEMBERS,
)
ASSIGNED = AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=date(2026, 1, 12))
CONSENT = FamilyConsentRecorded(given_on=date(2026, 1, 15), signed_by=("Anna Nowak",))
STARTED = WorkStarted(started_on=date(2026, 1, 15), next_assessment_due=date(2026, 7, 15))
WORKING: tuple[DomainEvent, ...] = (OPENED, ASSIGNED, CONSENT, STARTED)
CLOSED = CaseClosed(
    reason=ClosureReason.GOALS_ACHIEVED,
    closed_on=date(2026, 2, 20),
    monitoring_until=date(2026, 8, 20),
    status=CaseStatus.MONITORING,
)


def visit(on: date = date(2026, 2, 25), record_id: uuid.UUID | None = None) -> ReceiveDeviceRecord:
    return record(
        DeviceRecordContent(
            kind=DeviceRecordKind.VISIT,
            happened_on=on,
            happened_at=datetime(on.year, on.month, on.day, 10, 30, tzinfo=UTC),
            duration_minutes=60,
            place=VisitPlace.HOME,
            present=("Anna Nowak",),
            topics=(VisitTopic.BUDGET, VisitTopic.SCHOOL),
            note="Rozmowa o budżecie domowym.",
        ),
        record_id,
    )


def consent(on: date = date(2026, 2, 25)) -> ReceiveDeviceRecord:
    return record(
        DeviceRecordContent(kind=DeviceRecordKind.CONSENT, happened_on=on, signed_by=("Anna",))
    )


def note(on: date = date(2026, 2, 25)) -> ReceiveDeviceRecord:
    return record(
        DeviceRecordContent(kind=DeviceRecordKind.PLAN_NOTE, happened_on=on, note="Dodać cel.")
    )


def record(
    content: DeviceRecordContent, record_id: uuid.UUID | None = None, assistant: uuid.UUID = A1
) -> ReceiveDeviceRecord:
    return ReceiveDeviceRecord(
        record_id=record_id or uuid.uuid4(),
        device_id="tablet-1",
        case_id=CASE_ID,
        case_version=4,
        assistant_id=assistant,
        content=content,
    )


def arrive(case: Case, cmd: ReceiveDeviceRecord, held: HeldRecord | None = None) -> rules.Arrival:
    return rules.receive(case, held or HeldRecord(), cmd, district=OCHOTA, today=TODAY)


# Applied on arrival ---------------------------------------------------------------------------


def test_a_visit_to_an_active_case_is_logged_with_the_devices_time_and_the_records_id() -> None:
    cmd = visit()
    arrival = arrive(given(CASE, *WORKING), cmd)
    assert arrival.outcome is Outcome.APPLIED
    assert arrival.held_events == []
    [logged] = arrival.case_events
    assert isinstance(logged, VisitLogged)
    assert logged.visit_id == cmd.record_id
    assert logged.assistant_id == A1
    assert logged.visited_on == date(2026, 2, 25)
    assert logged.visited_at == datetime(2026, 2, 25, 10, 30, tzinfo=UTC)
    assert logged.device_id == "tablet-1"
    assert logged.topics == (VisitTopic.BUDGET, VisitTopic.SCHOOL)


def test_a_note_to_the_plan_is_added_without_a_new_plan_version() -> None:
    cmd = note()
    [added] = arrive(given(CASE, *WORKING), cmd).case_events
    assert added == PlanNoteAdded(
        note_id=cmd.record_id,
        assistant_id=A1,
        written_on=date(2026, 2, 25),
        note="Dodać cel.",
        device_id="tablet-1",
    )
    assert CASE.fold([added], given(CASE, *WORKING)).plan_version == 0


def test_a_paper_consent_recorded_offline_starts_the_work() -> None:
    cmd = consent(date(2026, 1, 20))
    events = arrive(given(CASE, OPENED, ASSIGNED), cmd).case_events
    assert events == [
        FamilyConsentRecorded(
            given_on=date(2026, 1, 20),
            signed_by=("Anna",),
            record_id=cmd.record_id,
            device_id="tablet-1",
        ),
        WorkStarted(started_on=TODAY, next_assessment_due=date(2026, 9, 2)),
    ]


# Accepted once ----------------------------------------------------------------------------------


def test_the_same_record_sent_again_is_already_there_with_no_second_effect() -> None:
    cmd = visit()
    case = given(CASE, *WORKING)
    first = arrive(case, cmd)
    again = arrive(CASE.fold(first.case_events, case), cmd)
    assert again.outcome is Outcome.ALREADY_THERE
    assert again.first == "applied"
    assert again.case_events == [] and again.held_events == []


@pytest.mark.parametrize("make", [consent, note], ids=["consent", "note"])
def test_a_consent_or_a_note_sent_again_is_already_there(make) -> None:  # type: ignore[no-untyped-def]
    cmd = make()
    case = given(CASE, *WORKING)
    case = CASE.fold(arrive(case, cmd).case_events, case)
    assert arrive(case, cmd).outcome is Outcome.ALREADY_THERE


def test_a_held_record_sent_again_answers_what_became_of_it() -> None:
    cmd = visit()
    case = given(CASE, *WORKING, CLOSED)
    first = arrive(case, cmd)
    held = HELD_RECORD.fold(first.held_events)
    again = arrive(case, cmd, held)
    assert (again.outcome, again.first, again.reason) == (
        Outcome.ALREADY_THERE,
        "held",
        HoldReason.CASE_CLOSED,
    )
    assert again.held_events == [] and again.case_events == []
    discarded = HELD_RECORD.fold(
        [HeldRecordDiscarded(record_id=cmd.record_id, discarded_on=TODAY, reason="pomyłka")],
        held,
    )
    assert arrive(case, cmd, discarded).first == "discarded"


# Facts never conflict ---------------------------------------------------------------------------


def test_visits_notes_and_consents_from_two_devices_apply_in_any_order() -> None:
    """Every order of arrival gives the same facts in the case: no record refused or lost."""
    records = [visit(date(2026, 2, 3)), visit(date(2026, 2, 1)), note(), consent(date(2026, 2, 2))]
    outcomes = set()
    for order in itertools.permutations(records):
        case = given(CASE, *WORKING)
        for cmd in order:
            arrival = arrive(case, cmd)
            assert arrival.outcome is Outcome.APPLIED
            case = CASE.fold(arrival.case_events, case)
        outcomes.add((case.records, case.last_visit_on, case.consent_on))
    assert outcomes == {
        (
            frozenset(r.record_id for r in records),
            date(2026, 2, 3),
            date(2026, 1, 15),  # the earliest consent counts
        )
    }


def test_a_visit_arriving_before_the_consent_made_on_the_same_device_is_still_a_fact() -> None:
    case = given(CASE, OPENED, ASSIGNED)  # no consent yet: work has not started
    visit_first = arrive(case, visit(date(2026, 1, 20)))
    assert visit_first.outcome is Outcome.APPLIED
    case = CASE.fold(visit_first.case_events, case)
    assert arrive(case, consent(date(2026, 1, 20))).outcome is Outcome.APPLIED


# Re-checked on arrival: held, never dropped ------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "cmd", "reason"),
    [
        ((*WORKING, CLOSED), visit(), HoldReason.CASE_CLOSED),
        (
            (
                *WORKING,
                CaseTransferred(
                    from_district=OCHOTA, to_district=WOLA, transferred_on=date(2026, 2, 20)
                ),
            ),
            visit(),
            HoldReason.CASE_TRANSFERRED,
        ),
        (
            (
                *WORKING,
                AssistantAssigned(
                    family_id=FAMILY,
                    assistant_id=A2,
                    previous_assistant_id=A1,
                    assigned_on=date(2026, 2, 20),
                ),
            ),
            visit(),
            HoldReason.NOT_ASSIGNED,
        ),
        (WORKING, visit(date(2026, 1, 5)), HoldReason.BEFORE_CASE_OPENED),
        (WORKING, visit(date(2026, 3, 9)), HoldReason.DATED_IN_FUTURE),
        ((*WORKING, CLOSED), note(), HoldReason.CASE_CLOSED),
        ((*WORKING, CLOSED), consent(), HoldReason.CASE_CLOSED),
    ],
    ids=["closed", "transferred", "reassigned", "before-opening", "future", "note", "consent"],
)
def test_a_record_that_no_longer_applies_is_held_with_its_reason(
    history: tuple[DomainEvent, ...], cmd: ReceiveDeviceRecord, reason: HoldReason
) -> None:
    arrival = arrive(given(CASE, *history), cmd)
    assert arrival.outcome is Outcome.HELD
    assert arrival.case_events == []
    assert arrival.held_events == [
        DeviceRecordHeld(
            record_id=cmd.record_id,
            device_id="tablet-1",
            case_id=CASE_ID,
            case_version=4,
            assistant_id=A1,
            district=OCHOTA,
            family_id=FAMILY,
            reason=reason,
            content=cmd.content,
        )
    ]


def test_a_record_for_a_case_that_does_not_exist_is_refused() -> None:
    with pytest.raises(CaseNotOpened):
        arrive(given(CASE), visit())


def test_a_visit_without_duration_or_topics_is_refused_as_incomplete() -> None:
    content = DeviceRecordContent(kind=DeviceRecordKind.VISIT, happened_on=date(2026, 2, 1))
    with pytest.raises(IncompleteDeviceRecord) as refused:
        arrive(given(CASE, *WORKING), record(content))
    assert "duration_minutes, topics" in refused.value.detail("pl")


# A person decides: apply to the right case, or discard -------------------------------------------


def held_after_closure(cmd: ReceiveDeviceRecord) -> HeldRecord:
    return HELD_RECORD.fold(arrive(given(CASE, *WORKING, CLOSED), cmd).held_events)


def test_a_held_visit_is_applied_to_the_reopened_case() -> None:
    cmd = visit()
    held = held_after_closure(cmd)
    reopened = given(
        CASE,
        *WORKING,
        CLOSED,
        CaseReopened(reopened_on=TODAY, reason="Kryzys w rodzinie"),
        AssistantAssigned(family_id=FAMILY, assistant_id=A1, assigned_on=TODAY),
    )
    case_events, held_events = rules.apply_held(
        held, reopened, ApplyHeldRecord(record_id=cmd.record_id, case_id=CASE_ID), today=TODAY
    )
    [logged] = case_events
    assert isinstance(logged, VisitLogged) and logged.visit_id == cmd.record_id
    assert logged.assistant_id == A1 and logged.visited_at is not None
    assert held_events == [
        HeldRecordApplied(record_id=cmd.record_id, case_id=CASE_ID, applied_on=TODAY)
    ]
    decided = HELD_RECORD.fold(held_events, held)
    assert decided.status is HeldStatus.APPLIED
    with pytest.raises(HeldRecordAlreadyDecided):
        rules.apply_held(
            decided,
            reopened,
            ApplyHeldRecord(record_id=cmd.record_id, case_id=CASE_ID),
            today=TODAY,
        )


def test_a_held_record_is_not_applied_twice_to_a_case_or_outside_its_dates() -> None:
    cmd = visit(date(2026, 1, 5))
    held = HELD_RECORD.fold(arrive(given(CASE, *WORKING), cmd).held_events)
    with pytest.raises(DateOutOfRange):
        rules.apply_held(
            held,
            given(CASE, *WORKING),
            ApplyHeldRecord(record_id=cmd.record_id, case_id=CASE_ID),
            today=TODAY,
        )
    fine = visit()
    held = held_after_closure(fine)
    case = CASE.fold(arrive(given(CASE, *WORKING), fine).case_events, given(CASE, *WORKING))
    with pytest.raises(RecordAlreadyInCase):
        rules.apply_held(
            held, case, ApplyHeldRecord(record_id=fine.record_id, case_id=CASE_ID), today=TODAY
        )


def test_a_held_record_is_discarded_once_with_a_reason() -> None:
    cmd = visit()
    held = held_after_closure(cmd)
    events = rules.discard_held(
        held, DiscardHeldRecord(record_id=cmd.record_id, reason="Wpisana dwa razy"), today=TODAY
    )
    assert events == [
        HeldRecordDiscarded(record_id=cmd.record_id, discarded_on=TODAY, reason="Wpisana dwa razy")
    ]
    with pytest.raises(HeldRecordAlreadyDecided):
        rules.discard_held(
            HELD_RECORD.fold(events, held),
            DiscardHeldRecord(record_id=cmd.record_id, reason="x"),
            today=TODAY,
        )


def test_a_devices_batch_applies_its_consents_first_and_keeps_the_rest_in_order() -> None:
    first, second = visit(date(2026, 2, 24)), visit(date(2026, 2, 25))
    signed, written = consent(), note()
    assert in_arrival_order([first, written, signed, second]) == [signed, first, written, second]
