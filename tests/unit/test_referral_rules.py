"""Referrals and the head's decision."""

import uuid
from datetime import date

import pytest

from services.referrals.domain.referral import (
    REFERRAL,
    DecideOnReferral,
    DeclineNeedsReason,
    ObligatoryReferralCannotBeDeclined,
    ReferFamily,
    ReferralAlreadyDecided,
    ReferralDatedInFuture,
    ReferralStatus,
    decide,
    refer,
)
from shared.events import (
    AssistanceGranted,
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralSource,
)
from tests.unit.given import given

FAMILY = uuid.uuid4()
MEMBERS = (FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365"),)
TODAY = date(2026, 11, 23)


def referred(source: ReferralSource) -> FamilyReferred:
    return FamilyReferred(
        family_id=FAMILY, district="1465068", source=source, referred_on=TODAY, members=MEMBERS
    )


def test_a_referral_is_filed() -> None:
    command = ReferFamily(
        family_id=FAMILY,
        district="1465068",
        source=ReferralSource.SCHOOL,
        sender_reference="SP12/1",
        referred_on=TODAY,
        members=MEMBERS,
    )
    (event,) = refer(given(REFERRAL), command, today=TODAY)
    assert isinstance(event, FamilyReferred)
    assert event.sender_reference == "SP12/1"
    assert given(REFERRAL, event).status is ReferralStatus.AWAITING_DECISION


def test_a_referral_dated_in_the_future_is_refused() -> None:
    command = ReferFamily(
        family_id=FAMILY,
        district="1465068",
        source=ReferralSource.FAMILY,
        sender_reference=None,
        referred_on=date(2026, 11, 24),
        members=MEMBERS,
    )
    with pytest.raises(ReferralDatedInFuture):
        refer(given(REFERRAL), command, today=TODAY)


def test_granting_carries_the_family_to_casework() -> None:
    (granted,) = decide(
        given(REFERRAL, referred(ReferralSource.SOCIAL_WORKER)),
        DecideOnReferral(granted=True, decided_on=TODAY),
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
            DecideOnReferral(granted=False, decided_on=TODAY, reason="  "),
        )
    (declined,) = decide(
        given(REFERRAL, referred(ReferralSource.FAMILY)),
        DecideOnReferral(granted=False, decided_on=TODAY, reason="Brak zgody"),
    )
    assert isinstance(declined, ReferralDeclined)


@pytest.mark.parametrize("source", [ReferralSource.COURT_ORDER, ReferralSource.MINOR_PARENT])
def test_an_obligatory_referral_cannot_be_declined(source: ReferralSource) -> None:
    with pytest.raises(ObligatoryReferralCannotBeDeclined):
        decide(
            given(REFERRAL, referred(source)),
            DecideOnReferral(granted=False, decided_on=TODAY, reason="nie"),
        )
    (granted,) = decide(
        given(REFERRAL, referred(source)), DecideOnReferral(granted=True, decided_on=TODAY)
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
            DecideOnReferral(granted=True, decided_on=TODAY),
        )
