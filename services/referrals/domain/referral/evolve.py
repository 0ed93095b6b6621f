"""How each event changes a referral: one function per event type; an event this aggregate
does not know is an error, not silently ignored."""

from __future__ import annotations

from dataclasses import replace
from functools import singledispatch

from services.referrals.domain.referral.state import Referral, ReferralStatus
from shared.events import (
    AssistanceGranted,
    DomainEvent,
    DuplicateReferralReceived,
    FamilyInterviewRecorded,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
)


def evolve(state: Referral, event: DomainEvent) -> Referral:
    return _apply(event, state)


@singledispatch
def _apply(event: DomainEvent, _state: Referral) -> Referral:
    raise TypeError(f"a referral has no event {type(event).__name__}")


@_apply.register
def _(event: FamilyReferred, state: Referral) -> Referral:
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


@_apply.register
def _(_event: FamilyInterviewRecorded, state: Referral) -> Referral:
    return replace(state, status=ReferralStatus.AWAITING_DECISION)


@_apply.register
def _(_event: ReferralLinked, state: Referral) -> Referral:
    return replace(state, status=ReferralStatus.LINKED)


@_apply.register
def _(event: DuplicateReferralReceived, state: Referral) -> Referral:
    return replace(state, linked_referrals=(*state.linked_referrals, event.referral_id))


@_apply.register
def _(_event: AssistanceGranted, state: Referral) -> Referral:
    return replace(state, status=ReferralStatus.GRANTED)


@_apply.register
def _(_event: ReferralDeclined, state: Referral) -> Referral:
    return replace(state, status=ReferralStatus.DECLINED)


HANDLED: frozenset[type] = frozenset(t for t in _apply.registry if t is not object)
"""The event types evolve knows (a test checks they are every event of the aggregate)."""

EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    FamilyReferred,
    FamilyInterviewRecorded,
    ReferralLinked,
    DuplicateReferralReceived,
    AssistanceGranted,
    ReferralDeclined,
)
"""Every event of a referral's stream (a test checks each is handled)."""
