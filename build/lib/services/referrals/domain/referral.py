"""A referral: a family brought to the centre's attention, and the head's decision on it.

Rules (art. 10-11 of the Act of 9 June 2011; KRO art. 109 for court orders):
- a school's or another institution's notification needs a social worker's family interview
  before the head decides;
- a referral is decided once: granted or declined; declining needs a reason;
- a court order and a minor parent leaving a facility are granted by law: they cannot be
  declined (and need no consent: see the case);
- a referral about a family that already has an open referral or an active case is not
  opened twice: it is linked to the existing one, which records it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from shared.aggregate import AggregateType
from shared.errors import DomainError, ErrorKind
from shared.events import (
    AssistanceGranted,
    DomainEvent,
    DuplicateReferralReceived,
    FamilyInterviewRecorded,
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
    ReferralSource,
)


class ReferralStatus(StrEnum):
    AWAITING_INTERVIEW = "awaiting_interview"
    AWAITING_DECISION = "awaiting_decision"
    GRANTED = "granted"
    DECLINED = "declined"
    LINKED = "linked"  # about a family already referred or in an active case


@dataclass(frozen=True)
class Referral:
    exists: bool = False
    district: str = ""
    family_id: UUID | None = None
    source: ReferralSource | None = None
    status: ReferralStatus = ReferralStatus.AWAITING_DECISION
    members: tuple[FamilyMember, ...] = ()
    referred_on: date | None = None
    linked_referrals: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class ReferFamily:
    family_id: UUID
    district: str
    source: ReferralSource
    sender_reference: str | None
    referred_on: date
    members: tuple[FamilyMember, ...]
    reason: str = ""


@dataclass(frozen=True)
class RecordInterview:
    conducted_on: date
    social_worker: str
    summary: str = ""


@dataclass(frozen=True)
class DecideOnReferral:
    granted: bool
    decided_on: date
    reason: str = ""


@dataclass(frozen=True)
class ExistingMatch:
    """What the family's PESEL matched: an open referral or an active case."""

    referral_id: UUID | None = None
    case_id: UUID | None = None
    family_id: UUID | None = None


class ReferralAlreadyExists(DomainError):
    code = "referral-already-exists"
    title_pl = "Zgłoszenie już istnieje"
    title_en = "Referral already exists"


class ReferralDatedInFuture(DomainError):
    code = "referral-dated-in-future"
    kind = ErrorKind.INVALID
    title_pl = "Data z przyszłości"
    title_en = "Dated in the future"
    detail_pl = "Data {value} jest późniejsza niż dzisiejsza."
    detail_en = "The date {value} is after today."


class ReferralAlreadyDecided(DomainError):
    code = "referral-already-decided"
    title_pl = "Zgłoszenie już rozpatrzone"
    title_en = "Referral already decided"
    detail_pl = "O tym zgłoszeniu już zdecydowano (stan: {state})."
    detail_en = "This referral was already decided (status: {state})."


class InterviewRequired(DomainError):
    code = "interview-required"
    title_pl = "Najpierw wywiad środowiskowy"
    title_en = "Family interview required first"
    detail_pl = (
        "Zgłoszenie ze szkoły lub innej instytucji wymaga wywiadu środowiskowego pracownika "
        "socjalnego, zanim kierownik podejmie decyzję."
    )
    detail_en = (
        "A school's or institution's notification needs a social worker's family interview "
        "before the head decides."
    )


class InterviewNotNeeded(DomainError):
    code = "interview-not-needed"
    title_pl = "Wywiad nie jest oczekiwany"
    title_en = "No interview expected"
    detail_pl = "To zgłoszenie nie czeka na wywiad środowiskowy (stan: {state})."
    detail_en = "This referral is not waiting for a family interview (status: {state})."


class DeclineNeedsReason(DomainError):
    code = "decline-needs-reason"
    kind = ErrorKind.INVALID
    title_pl = "Brak uzasadnienia odmowy"
    title_en = "A refusal needs a reason"
    detail_pl = "Odmowa przydzielenia asystenta wymaga podania uzasadnienia."
    detail_en = "Declining to grant an assistant requires a reason."


class ObligatoryReferralCannotBeDeclined(DomainError):
    code = "obligatory-referral-cannot-be-declined"
    title_pl = "Zgłoszenie obligatoryjne"
    title_en = "Obligatory referral"
    detail_pl = (
        "Zgłoszenia z postanowienia sądu i dotyczącego małoletniego rodzica opuszczającego "
        "placówkę nie można odrzucić: asystent przysługuje z mocy prawa."
    )
    detail_en = (
        "A court order or a minor parent leaving a facility cannot be declined: the law grants "
        "an assistant."
    )


def _not_in_future(value: date, today: date) -> None:
    if value > today:
        raise ReferralDatedInFuture(value=value.isoformat())


def refer(
    state: Referral, command: ReferFamily, *, today: date, existing: ExistingMatch | None = None
) -> list[DomainEvent]:
    """File the referral; if the family matched an open referral or active case, link it."""
    if state.exists:
        raise ReferralAlreadyExists()
    _not_in_future(command.referred_on, today)
    events: list[DomainEvent] = [
        FamilyReferred(
            family_id=existing.family_id if existing and existing.family_id else command.family_id,
            district=command.district,
            source=command.source,
            sender_reference=command.sender_reference,
            referred_on=command.referred_on,
            members=command.members,
            reason=command.reason,
        )
    ]
    if existing is not None:
        events.append(
            ReferralLinked(
                to_referral_id=existing.referral_id,
                to_case_id=existing.case_id,
                source=command.source,
                sender_reference=command.sender_reference,
                referred_on=command.referred_on,
            )
        )
    return events


def record_duplicate(
    state: Referral, *, referral_id: UUID, command: ReferFamily
) -> list[DomainEvent]:
    """The open referral this family already has records the new one linked to it."""
    if referral_id in state.linked_referrals:
        return []
    return [
        DuplicateReferralReceived(
            referral_id=referral_id,
            source=command.source,
            sender_reference=command.sender_reference,
            referred_on=command.referred_on,
            district=command.district,
        )
    ]


def record_interview(
    state: Referral, command: RecordInterview, *, today: date
) -> list[DomainEvent]:
    if state.status is not ReferralStatus.AWAITING_INTERVIEW:
        raise InterviewNotNeeded(state=state.status.value)
    _not_in_future(command.conducted_on, today)
    return [
        FamilyInterviewRecorded(
            conducted_on=command.conducted_on,
            social_worker=command.social_worker,
            summary=command.summary,
        )
    ]


def decide(state: Referral, command: DecideOnReferral) -> list[DomainEvent]:
    if state.status is ReferralStatus.AWAITING_INTERVIEW:
        raise InterviewRequired()
    if state.status is not ReferralStatus.AWAITING_DECISION:
        raise ReferralAlreadyDecided(state=state.status.value)
    assert state.family_id is not None
    assert state.source is not None
    if command.granted:
        return [
            AssistanceGranted(
                family_id=state.family_id,
                source=state.source,
                obligatory=state.source.is_obligatory,
                decided_on=command.decided_on,
                members=state.members,
            )
        ]
    if state.source.is_obligatory:
        raise ObligatoryReferralCannotBeDeclined()
    if not command.reason.strip():
        raise DeclineNeedsReason()
    return [
        ReferralDeclined(
            family_id=state.family_id, decided_on=command.decided_on, reason=command.reason
        )
    ]


def evolve(state: Referral, event: DomainEvent) -> Referral:
    match event:
        case FamilyReferred():
            return replace(
                state,
                exists=True,
                district=event.district,
                family_id=event.family_id,
                source=event.source,
                members=event.members,
                referred_on=event.referred_on,
                status=(
                    ReferralStatus.AWAITING_INTERVIEW
                    if event.source.needs_interview
                    else ReferralStatus.AWAITING_DECISION
                ),
            )
        case FamilyInterviewRecorded():
            return replace(state, status=ReferralStatus.AWAITING_DECISION)
        case ReferralLinked():
            return replace(state, status=ReferralStatus.LINKED)
        case DuplicateReferralReceived():
            return replace(state, linked_referrals=(*state.linked_referrals, event.referral_id))
        case AssistanceGranted():
            return replace(state, status=ReferralStatus.GRANTED)
        case ReferralDeclined():
            return replace(state, status=ReferralStatus.DECLINED)
    return state


REFERRAL = AggregateType[Referral](name="referral", initial=Referral, evolve=evolve)
