"""Referrals from every route, the family interview, duplicates and the head's decision."""

import uuid
from dataclasses import replace
from datetime import date

import pytest

from services.referrals.domain.referral import (
    REFERRAL,
    DecideOnReferral,
    DeclineNeedsReason,
    ExistingMatch,
    InterviewNotNeeded,
    InterviewRequired,
    ObligatoryReferralCannotBeDeclined,
    RecordDuplicate,
    RecordInterview,
    ReferFamily,
    ReferralAlreadyDecided,
    ReferralDatedInFuture,
    ReferralStatus,
    decide,
    record_duplicate,
    record_interview,
    refer,
)
from shared.events import (
    AssistanceGranted,
    DuplicateReferralReceived,
    FamilyInterviewRecorded,
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
    ReferralSource,
)
from tests.unit.given import given

FAMILY = uuid.uuid4()
MEMBERS = (FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"),)
TODAY = date(2026, 11, 23)
REFERRAL_ID = uuid.uuid4()


def referred(source: ReferralSource) -> FamilyReferred:
    return FamilyReferred(
        family_id=FAMILY, district="1465068", source=source, referred_on=TODAY, members=MEMBERS
    )


def duplicate(new_id: uuid.UUID) -> RecordDuplicate:
    return RecordDuplicate(
        referral_id=REFERRAL_ID,
        duplicate_id=new_id,
        source=ReferralSource.SCHOOL,
        sender_reference="REF/1",
        referred_on=TODAY,
        district="1465068",
    )


def command(source: ReferralSource, on: date = TODAY) -> ReferFamily:
    return ReferFamily(
        family_id=FAMILY,
        district="1465068",
        source=source,
        sender_reference="REF/1",
        referred_on=on,
        members=MEMBERS,
    )


@pytest.mark.parametrize("source", list(ReferralSource))
def test_every_route_files_a_referral(source: ReferralSource) -> None:
    (event,) = refer(given(REFERRAL), command(source), today=TODAY)
    assert isinstance(event, FamilyReferred)
    assert event.source is source
    expected = (
        ReferralStatus.AWAITING_INTERVIEW
        if source in (ReferralSource.SCHOOL, ReferralSource.INSTITUTION)
        else ReferralStatus.AWAITING_DECISION
    )
    assert given(REFERRAL, event).status is expected


def test_a_referral_dated_in_the_future_is_refused() -> None:
    with pytest.raises(ReferralDatedInFuture):
        refer(given(REFERRAL), command(ReferralSource.FAMILY, date(2026, 11, 24)), today=TODAY)


@pytest.mark.parametrize("source", [ReferralSource.SCHOOL, ReferralSource.INSTITUTION])
def test_a_schools_notification_needs_an_interview_before_the_decision(
    source: ReferralSource,
) -> None:
    with pytest.raises(InterviewRequired):
        decide(
            given(REFERRAL, referred(source)),
            DecideOnReferral(REFERRAL_ID, granted=True),
            today=TODAY,
        )
    (interview,) = record_interview(
        given(REFERRAL, referred(source)),
        RecordInterview(
            REFERRAL_ID, conducted_on=TODAY, social_worker="Anna Kaczmarek", summary="…"
        ),
        today=TODAY,
    )
    assert isinstance(interview, FamilyInterviewRecorded)
    state = given(REFERRAL, referred(source), interview)
    assert state.status is ReferralStatus.AWAITING_DECISION
    (granted,) = decide(state, DecideOnReferral(REFERRAL_ID, granted=True), today=TODAY)
    assert isinstance(granted, AssistanceGranted)


def test_an_interview_is_not_recorded_where_none_is_awaited() -> None:
    with pytest.raises(InterviewNotNeeded):
        record_interview(
            given(REFERRAL, referred(ReferralSource.FAMILY)),
            RecordInterview(REFERRAL_ID, conducted_on=TODAY, social_worker="A"),
            today=TODAY,
        )


def test_granting_carries_the_family_to_casework() -> None:
    (granted,) = decide(
        given(REFERRAL, referred(ReferralSource.SOCIAL_WORKER)),
        DecideOnReferral(REFERRAL_ID, granted=True),
        today=TODAY,
    )
    assert granted == AssistanceGranted(
        family_id=FAMILY,
        source=ReferralSource.SOCIAL_WORKER,
        obligatory=False,
        decided_on=TODAY,
        members=MEMBERS,
    )


def test_declining_needs_a_reason() -> None:
    with pytest.raises(DeclineNeedsReason):
        decide(
            given(REFERRAL, referred(ReferralSource.FAMILY)),
            DecideOnReferral(REFERRAL_ID, granted=False, reason="  "),
            today=TODAY,
        )
    (declined,) = decide(
        given(REFERRAL, referred(ReferralSource.FAMILY)),
        DecideOnReferral(REFERRAL_ID, granted=False, reason="Brak zgody"),
        today=TODAY,
    )
    assert isinstance(declined, ReferralDeclined)


@pytest.mark.parametrize("source", [ReferralSource.COURT_ORDER, ReferralSource.MINOR_PARENT])
def test_an_obligatory_referral_cannot_be_declined(source: ReferralSource) -> None:
    with pytest.raises(ObligatoryReferralCannotBeDeclined):
        decide(
            given(REFERRAL, referred(source)),
            DecideOnReferral(REFERRAL_ID, granted=False, reason="nie"),
            today=TODAY,
        )
    (granted,) = decide(
        given(REFERRAL, referred(source)), DecideOnReferral(REFERRAL_ID, granted=True), today=TODAY
    )
    assert isinstance(granted, AssistanceGranted)
    assert granted.obligatory


def test_a_referral_is_decided_once() -> None:
    granted = AssistanceGranted(
        family_id=FAMILY,
        source=ReferralSource.FAMILY,
        obligatory=False,
        decided_on=TODAY,
        members=MEMBERS,
    )
    with pytest.raises(ReferralAlreadyDecided):
        decide(
            given(REFERRAL, referred(ReferralSource.FAMILY), granted),
            DecideOnReferral(REFERRAL_ID, granted=True),
            today=TODAY,
        )


def test_a_referral_of_a_family_with_an_open_referral_is_linked_not_opened_again() -> None:
    first = uuid.uuid4()
    other_family = uuid.uuid4()
    events = refer(
        given(REFERRAL),
        replace(
            command(ReferralSource.SCHOOL),
            existing=ExistingMatch(referral_id=first, family_id=other_family),
        ),
        today=TODAY,
    )
    assert [type(e) for e in events] == [FamilyReferred, ReferralLinked]
    assert events[0].family_id == other_family  # one family, one identity
    state = given(REFERRAL, *events)
    assert state.status is ReferralStatus.LINKED
    with pytest.raises(ReferralAlreadyDecided):
        decide(state, DecideOnReferral(REFERRAL_ID, granted=True), today=TODAY)


def test_a_referral_of_a_family_with_an_active_case_is_linked_to_the_case() -> None:
    case_id = uuid.uuid4()
    events = refer(
        given(REFERRAL),
        replace(
            command(ReferralSource.FAMILY),
            existing=ExistingMatch(case_id=case_id, family_id=FAMILY),
        ),
        today=TODAY,
    )
    linked = events[1]
    assert isinstance(linked, ReferralLinked)
    assert (linked.to_case_id, linked.to_referral_id) == (case_id, None)


def test_the_open_referral_records_each_linked_referral_once() -> None:
    new_id = uuid.uuid4()
    state = given(REFERRAL, referred(ReferralSource.SOCIAL_WORKER))
    (event,) = record_duplicate(state, duplicate(new_id), today=TODAY)
    assert isinstance(event, DuplicateReferralReceived)
    assert (
        record_duplicate(
            given(REFERRAL, referred(ReferralSource.SOCIAL_WORKER), event),
            duplicate(new_id),
            today=TODAY,
        )
        == []
    )
