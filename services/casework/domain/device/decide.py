"""The merge rules of records made on a device (offline), checked when they arrive.

- A record is accepted once, by the id the device made: a record whose id the case already
  holds (a visit, a note, a consent) or that was held before is "already there", and the
  answer says what became of it the first time; nothing is appended again.
- Visits, notes to the plan and consents are facts: they never conflict with each other, from
  one device or several, in any order (a visit needs no other record to have arrived first;
  a second consent is kept, and the case counts from the earliest).
- What depends on the case's state is checked again on arrival, against the case as it is
  now, not as the device saw it: a case closed or transferred meanwhile, an assistant no longer
  assigned, a date before the case began (or after today on the server's clock). Such a
  record is not applied and not dropped: it is held, with the reason, until a person applies
  it to the right case or discards it; each decision is an event.

Every decision is pure: `receive(case, held, cmd, district=..., today=...) -> Arrival`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from services.casework.domain.case.decide import _work_starts
from services.casework.domain.case.errors import CaseNotOpened, DateOutOfRange
from services.casework.domain.case.evolve import evolve as evolve_case
from services.casework.domain.case.state import Case
from services.casework.domain.device.commands import (
    ApplyHeldRecord,
    DiscardHeldRecord,
    ReceiveDeviceRecord,
)
from services.casework.domain.device.errors import (
    HeldRecordAlreadyDecided,
    IncompleteDeviceRecord,
    RecordAlreadyInCase,
)
from services.casework.domain.device.state import HeldRecord, HeldStatus
from shared.events import (
    DeviceRecordContent,
    DeviceRecordHeld,
    DeviceRecordKind,
    DomainEvent,
    FamilyConsentRecorded,
    HeldRecordApplied,
    HeldRecordDiscarded,
    HoldReason,
    PlanNoteAdded,
    VisitLogged,
    VisitPlace,
)
from shared.events.casework import CaseStatus


class Outcome(StrEnum):
    APPLIED = "applied"  # appended to its case now
    HELD = "held"  # waits "do wyjaśnienia"
    ALREADY_THERE = "already_there"  # sent before: no second effect


@dataclass(frozen=True)
class Arrival:
    """What became of a record: the case's new events, the held record's new events, and for
    a record sent again, what became of it the first time (`first`)."""

    outcome: Outcome
    case_events: list[DomainEvent] = field(default_factory=list)
    held_events: list[DomainEvent] = field(default_factory=list)
    reason: HoldReason | None = None
    first: str | None = None  # applied, held, applied_after_review, discarded


def check_complete(content: DeviceRecordContent) -> None:
    """What each kind of record needs (the request's validation, repeated for the rules)."""
    missing: list[str] = []
    if content.kind is DeviceRecordKind.VISIT:
        if content.duration_minutes is None:
            missing.append("duration_minutes")
        if not content.topics:
            missing.append("topics")
    elif content.kind is DeviceRecordKind.PLAN_NOTE:
        if not content.note.strip():
            missing.append("note")
    elif not content.signed_by:
        missing.append("signed_by")
    if missing:
        raise IncompleteDeviceRecord(kind=content.kind.value, missing=", ".join(missing))


def hold_reason(
    case: Case, cmd: ReceiveDeviceRecord, *, district: str, today: date
) -> HoldReason | None:
    """Why the record cannot be applied to the case as it is now; None when it can."""
    if not case.exists or case.opened_on is None:
        raise CaseNotOpened()
    if case.status is CaseStatus.TRANSFER_PENDING or case.district != district:
        return HoldReason.CASE_TRANSFERRED
    if case.status in (CaseStatus.CLOSED, CaseStatus.MONITORING):
        return HoldReason.CASE_CLOSED
    if case.status is not CaseStatus.ACTIVE or case.assistant_id != cmd.assistant_id:
        return HoldReason.NOT_ASSIGNED
    if cmd.content.happened_on < case.opened_on:
        return HoldReason.BEFORE_CASE_OPENED
    if cmd.content.happened_on > today:
        return HoldReason.DATED_IN_FUTURE
    return None


def _case_events(
    case: Case,
    record_id: UUID,
    device_id: str | None,
    assistant_id: UUID,
    content: DeviceRecordContent,
    today: date,
) -> list[DomainEvent]:
    """The case's events of an applied record; its id becomes the event's own id."""
    if content.kind is DeviceRecordKind.VISIT:
        if content.duration_minutes is None:  # check_complete refused it before
            raise IncompleteDeviceRecord(kind=content.kind.value, missing="duration_minutes")
        return [
            VisitLogged(
                visit_id=record_id,
                assistant_id=assistant_id,
                visited_on=content.happened_on,
                duration_minutes=content.duration_minutes,
                place=content.place or VisitPlace.HOME,
                present=content.present,
                topics=content.topics,
                note=content.note,
                visited_at=content.happened_at,
                device_id=device_id,
            )
        ]
    if content.kind is DeviceRecordKind.PLAN_NOTE:
        return [
            PlanNoteAdded(
                note_id=record_id,
                assistant_id=assistant_id,
                written_on=content.happened_on,
                written_at=content.happened_at,
                note=content.note,
                device_id=device_id,
            )
        ]
    consent = FamilyConsentRecorded(
        given_on=content.happened_on,
        signed_by=content.signed_by,
        record_id=record_id,
        device_id=device_id,
    )
    return [consent, *_work_starts(evolve_case(case, consent), today)]


def _first(held: HeldRecord) -> str:
    return {
        HeldStatus.HELD: "held",
        HeldStatus.APPLIED: "applied_after_review",
        HeldStatus.DISCARDED: "discarded",
    }[held.status]


def receive(
    case: Case, held: HeldRecord, cmd: ReceiveDeviceRecord, *, district: str, today: date
) -> Arrival:
    """A record arrives from a device of an assistant of `district`."""
    check_complete(cmd.content)
    if held.exists:
        return Arrival(Outcome.ALREADY_THERE, reason=held.reason, first=_first(held))
    if cmd.record_id in case.records:
        return Arrival(Outcome.ALREADY_THERE, first="applied")
    reason = hold_reason(case, cmd, district=district, today=today)
    if reason is None:
        events = _case_events(
            case, cmd.record_id, cmd.device_id, cmd.assistant_id, cmd.content, today
        )
        return Arrival(Outcome.APPLIED, case_events=events)
    if case.family_id is None:
        raise CaseNotOpened()
    held_event = DeviceRecordHeld(
        record_id=cmd.record_id,
        device_id=cmd.device_id,
        case_id=cmd.case_id,
        case_version=cmd.case_version,
        assistant_id=cmd.assistant_id,
        district=district,
        family_id=case.family_id,
        reason=reason,
        content=cmd.content,
    )
    return Arrival(Outcome.HELD, held_events=[held_event], reason=reason)


def _undecided(held: HeldRecord) -> DeviceRecordContent:
    if not held.exists or held.content is None:
        raise CaseNotOpened()
    if held.status is not HeldStatus.HELD:
        raise HeldRecordAlreadyDecided(status=held.status.value)
    return held.content


def apply_held(
    held: HeldRecord, case: Case, cmd: ApplyHeldRecord, *, today: date
) -> tuple[list[DomainEvent], list[DomainEvent]]:
    """A person applies a held record to a case: the case's events and the held record's.
    The person chose the case, so its status is theirs to judge; the dates must still fall
    within the case's life and not after today."""
    content = _undecided(held)
    if not case.exists or case.opened_on is None:
        raise CaseNotOpened()
    if held.record_id is None or held.assistant_id is None:
        raise CaseNotOpened()
    if held.record_id in case.records:
        raise RecordAlreadyInCase()
    if not case.opened_on <= content.happened_on <= today:
        raise DateOutOfRange(
            field="happened_on",
            value=content.happened_on.isoformat(),
            earliest=case.opened_on.isoformat(),
            latest=today.isoformat(),
        )
    events = _case_events(
        case, held.record_id, held.device_id or None, held.assistant_id, content, today
    )
    applied = HeldRecordApplied(record_id=held.record_id, case_id=cmd.case_id, applied_on=today)
    return events, [applied]


def discard_held(held: HeldRecord, cmd: DiscardHeldRecord, *, today: date) -> list[DomainEvent]:
    _undecided(held)
    return [HeldRecordDiscarded(record_id=cmd.record_id, discarded_on=today, reason=cmd.reason)]
