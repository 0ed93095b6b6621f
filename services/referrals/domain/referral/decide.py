"""A referral's rules (art. 10-11 of the Act of 9 June 2011; KRO art. 109 for court orders):
- a school's or another institution's notification needs a social worker's family interview
  before the head decides;
- a referral is decided once: granted or declined; declining needs a reason;
- a court order and a minor parent leaving a facility are granted by law: they cannot be
  declined (and need no consent: see the case);
- a referral about a family that already has an open referral or an active case is not
  opened twice: it is linked to the existing one, which records it.

Every decision has one signature: `(state, command, *, today) -> new events`.
"""

from __future__ import annotations

from datetime import date

from services.referrals.domain.referral.commands import (
    DecideOnReferral,
    RecordDuplicate,
    RecordInterview,
    ReferFamily,
)
from services.referrals.domain.referral.errors import (
    DeclineNeedsReason,
    InterviewNotNeeded,
    InterviewRequired,
    ObligatoryReferralCannotBeDeclined,
    ReferralAlreadyDecided,
    ReferralAlreadyExists,
    ReferralDatedInFuture,
)
from services.referrals.domain.referral.state import Referral, ReferralStatus
from shared.domain.errors import NotFound
from shared.events import (
    AssistanceGranted,
    DomainEvent,
    DuplicateReferralReceived,
    FamilyInterviewRecorded,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
)


def _not_in_future(value: date, today: date) -> None:
    if value > today:
        raise ReferralDatedInFuture(value=value.isoformat())


def refer(state: Referral, command: ReferFamily, *, today: date) -> list[DomainEvent]:
    """File the referral; if the family matched an open referral or active case, link it."""
    if state.exists:
        raise ReferralAlreadyExists()
    referred_on = command.referred_on or today
    _not_in_future(referred_on, today)
    existing = command.existing
    events: list[DomainEvent] = [
        FamilyReferred(
            family_id=existing.family_id if existing and existing.family_id else command.family_id,
            district=command.district,
            source=command.source,
            sender_reference=command.sender_reference,
            referred_on=referred_on,
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
                referred_on=referred_on,
            )
        )
    return events


def record_duplicate(
    state: Referral,
    command: RecordDuplicate,
    *,
    today: date,  # noqa: ARG001 (the one signature of a decision)
) -> list[DomainEvent]:
    """The open referral this family already has records the new one linked to it."""
    if command.duplicate_id in state.linked_referrals:
        return []
    return [
        DuplicateReferralReceived(
            referral_id=command.duplicate_id,
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


def decide(state: Referral, command: DecideOnReferral, *, today: date) -> list[DomainEvent]:
    if state.family_id is None or state.source is None:
        raise NotFound(entity="referral", id=command.referral_id)
    if state.status is ReferralStatus.AWAITING_INTERVIEW:
        raise InterviewRequired()
    if state.status is not ReferralStatus.AWAITING_DECISION:
        raise ReferralAlreadyDecided(state=state.status.value)
    reason = command.reason.strip()
    if command.granted:
        return [
            AssistanceGranted(
                family_id=state.family_id,
                source=state.source,
                obligatory=state.source.is_obligatory,
                decided_on=today,
                members=state.members,
                justification=reason or None,
            )
        ]
    if state.source.is_obligatory:
        raise ObligatoryReferralCannotBeDeclined()
    if not reason:
        raise DeclineNeedsReason()
    return [ReferralDeclined(family_id=state.family_id, decided_on=today, reason=reason)]
