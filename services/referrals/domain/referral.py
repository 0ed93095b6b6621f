"""A referral: a family brought to the centre's attention, and the head's decision on it.

Rules (art. 10-11 of the Act of 9 June 2011; KRO art. 109 for court orders):
- a referral is decided once: granted or declined;
- declining needs a reason;
- a court order and a minor parent leaving a facility are granted by law: they cannot be
  declined.
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
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralSource,
)


class ReferralStatus(StrEnum):
    AWAITING_DECISION = "awaiting_decision"
    GRANTED = "granted"
    DECLINED = "declined"


@dataclass(frozen=True)
class Referral:
    exists: bool = False
    district: str = ""
    family_id: UUID | None = None
    source: ReferralSource | None = None
    status: ReferralStatus = ReferralStatus.AWAITING_DECISION
    members: tuple[FamilyMember, ...] = ()
    referred_on: date | None = None


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
class DecideOnReferral:
    granted: bool
    decided_on: date
    reason: str = ""


class ReferralAlreadyExists(DomainError):
    code = "referral-already-exists"
    title_pl = "Zgłoszenie już istnieje"
    title_en = "Referral already exists"


class ReferralDatedInFuture(DomainError):
    code = "referral-dated-in-future"
    kind = ErrorKind.INVALID
    title_pl = "Data zgłoszenia z przyszłości"
    title_en = "Referral dated in the future"
    detail_pl = "Data zgłoszenia {referred_on} jest późniejsza niż dzisiejsza."
    detail_en = "The referral date {referred_on} is after today."


class ReferralAlreadyDecided(DomainError):
    code = "referral-already-decided"
    title_pl = "Zgłoszenie już rozpatrzone"
    title_en = "Referral already decided"
    detail_pl = "O tym zgłoszeniu już zdecydowano ({status})."
    detail_en = "This referral was already decided ({status})."


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


def refer(state: Referral, command: ReferFamily, *, today: date) -> list[DomainEvent]:
    if state.exists:
        raise ReferralAlreadyExists()
    if command.referred_on > today:
        raise ReferralDatedInFuture(referred_on=command.referred_on.isoformat())
    return [
        FamilyReferred(
            family_id=command.family_id,
            district=command.district,
            source=command.source,
            sender_reference=command.sender_reference,
            referred_on=command.referred_on,
            members=command.members,
            reason=command.reason,
        )
    ]


def decide(state: Referral, command: DecideOnReferral) -> list[DomainEvent]:
    if state.status is not ReferralStatus.AWAITING_DECISION:
        raise ReferralAlreadyDecided(status=state.status.value)
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
            )
        case AssistanceGranted():
            return replace(state, status=ReferralStatus.GRANTED)
        case ReferralDeclined():
            return replace(state, status=ReferralStatus.DECLINED)
    return state


REFERRAL = AggregateType[Referral](name="referral", initial=Referral, evolve=evolve)
