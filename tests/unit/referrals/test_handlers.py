"""The referrals handlers with fakes: given past events (and what the family index knows),
when a command, then the events stored, the answer, or the refusal."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.referrals.application import handlers
from services.referrals.application.handlers import (
    Notification,
    ReceiveOpinionRequestNotification,
    ReceiveReferralNotification,
)
from services.referrals.domain.errors import NoActiveCaseForOpinion, NotificationReferenceReused
from services.referrals.domain.family import FAMILY, EraseFamily
from services.referrals.domain.referral import (
    REFERRAL,
    DecideOnReferral,
    DeclineNeedsReason,
    InterviewRequired,
    RecordInterview,
    ReferFamily,
    ReferralStatus,
)
from shared.domain.clock import FixedClock
from shared.domain.errors import NotFound
from shared.events import (
    AssistanceGranted,
    CourtOpinionRequestReceived,
    DuplicateReferralReceived,
    FamilyDataErased,
    FamilyInterviewRecorded,
    FamilyMember,
    FamilyReferred,
    ReferralDeclined,
    ReferralLinked,
    ReferralSource,
)
from shared.eventstore import EventMetadata
from shared.eventstore.runner import CommandRunner, Idempotency, IdempotencyKeyConflict
from shared.testing import InMemoryEventLog
from tests.unit.referrals.fakes import CaseRow, FakeReferralsUnitOfWork

OCHOTA, WOLA = "1465068", "1465188"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
CLOCK = FixedClock(NOW)
ANNA = FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365")
METADATA = EventMetadata(actor="user:head", correlation_id="test")


@pytest.fixture
def uow() -> FakeReferralsUnitOfWork:
    return FakeReferralsUnitOfWork(InMemoryEventLog())


def referral(source: ReferralSource = ReferralSource.FAMILY, **changes: object) -> ReferFamily:
    fields: dict[str, object] = {
        "district": OCHOTA,
        "source": source,
        "sender_reference": "REF/1",
        "members": (ANNA,),
        "reason": "Rodzina prosi o wsparcie.",
    }
    fields.update(changes)
    return ReferFamily(**fields)  # type: ignore[arg-type]


def referred(
    family_id: uuid.UUID, source: ReferralSource = ReferralSource.FAMILY
) -> FamilyReferred:
    return FamilyReferred(
        family_id=family_id, district=OCHOTA, source=source, referred_on=TODAY, members=(ANNA,)
    )


# --- refer_family -------------------------------------------------------------------------


async def test_a_new_family_is_referred_and_held_in_the_index(uow: FakeReferralsUnitOfWork) -> None:
    command = referral()
    answer = await handlers.refer_family(command, uow, CLOCK)
    referral_id = command.referral_id
    assert answer == handlers.ReferralChanged(
        referral_id=referral_id,
        family_id=command.family_id,
        status=ReferralStatus.AWAITING_DECISION,
        obligatory=False,
        version=1,
        events=("FamilyReferred",),
    )
    (event,) = uow.committed
    assert isinstance(event, FamilyReferred)
    assert (event.family_id, event.referred_on, event.district) == (
        command.family_id,
        TODAY,
        OCHOTA,
    )
    assert uow.families.open_referrals == {ANNA.pesel: (referral_id, command.family_id)}


async def test_a_family_with_an_open_referral_is_linked_and_the_open_one_records_it(
    uow: FakeReferralsUnitOfWork,
) -> None:
    first_id, family_id = uuid.uuid4(), uuid.uuid4()
    uow.log.given(REFERRAL, first_id, referred(family_id))
    uow.families.open_referrals[str(ANNA.pesel)] = (first_id, family_id)
    command = referral(ReferralSource.SCHOOL, district=WOLA)

    answer = await handlers.refer_family(command, uow, CLOCK)

    assert (answer.status, answer.version, answer.family_id) == (
        ReferralStatus.LINKED,
        2,
        family_id,
    )
    assert answer.events == ("FamilyReferred", "ReferralLinked", "DuplicateReferralReceived")
    assert (answer.linked_to_referral_id, answer.linked_to_case_id) == (first_id, None)
    new, linked, duplicate = uow.committed
    assert isinstance(new, FamilyReferred) and new.family_id == family_id
    assert isinstance(linked, ReferralLinked) and linked.to_referral_id == first_id
    assert isinstance(duplicate, DuplicateReferralReceived)
    assert (duplicate.referral_id, duplicate.district) == (command.referral_id, WOLA)
    assert REFERRAL.fold(uow.log.events(REFERRAL, first_id)).linked_referrals == (
        command.referral_id,
    )


async def test_a_family_with_an_active_case_is_linked_to_the_case(
    uow: FakeReferralsUnitOfWork,
) -> None:
    case_id, family_id = uuid.uuid4(), uuid.uuid4()
    uow.families.cases[case_id] = CaseRow(family_id, OCHOTA, True, {str(ANNA.pesel)})
    await handlers.refer_family(referral(), uow, CLOCK)
    new, linked = uow.committed
    assert isinstance(new, FamilyReferred) and new.family_id == family_id
    assert isinstance(linked, ReferralLinked)
    assert (linked.to_case_id, linked.to_referral_id) == (case_id, None)
    assert uow.families.open_referrals == {}


async def test_a_family_whose_case_ended_keeps_its_identity(uow: FakeReferralsUnitOfWork) -> None:
    family_id = uuid.uuid4()
    uow.families.cases[uuid.uuid4()] = CaseRow(family_id, OCHOTA, False, {str(ANNA.pesel)})
    await handlers.refer_family(referral(), uow, CLOCK)
    (new,) = uow.committed
    assert isinstance(new, FamilyReferred) and new.family_id == family_id


async def test_a_retry_with_the_same_idempotency_key_has_one_effect() -> None:
    uow = FakeReferralsUnitOfWork(InMemoryEventLog())
    runner = CommandRunner(uow, CLOCK)
    key = Idempotency.of("k-1", "POST", "/referrals", b"{}")
    first = await runner.run(handlers.refer_family, referral(), METADATA, idempotency=key)
    again = await runner.run(handlers.refer_family, referral(), METADATA, idempotency=key)
    assert again == first
    assert len(uow.log.streams) == 1
    with pytest.raises(IdempotencyKeyConflict):
        other = Idempotency.of("k-1", "POST", "/referrals", b"{other}")
        await runner.run(handlers.refer_family, referral(), METADATA, idempotency=other)


# --- record_interview, decide_on_referral --------------------------------------------------


async def test_an_interview_is_recorded_on_a_schools_referral(uow: FakeReferralsUnitOfWork) -> None:
    referral_id = uuid.uuid4()
    uow.log.given(REFERRAL, referral_id, referred(uuid.uuid4(), ReferralSource.SCHOOL))
    command = RecordInterview(referral_id, TODAY, "Anna Kaczmarek", "Rodzina w kryzysie.")
    answer = await handlers.record_interview(command, uow, CLOCK)
    assert (answer.referral_id, answer.status, answer.version, answer.events) == (
        referral_id,
        ReferralStatus.AWAITING_DECISION,
        2,
        ("FamilyInterviewRecorded",),
    )
    assert uow.committed == [
        FamilyInterviewRecorded(
            conducted_on=TODAY, social_worker="Anna Kaczmarek", summary="Rodzina w kryzysie."
        )
    ]


async def test_an_interview_of_an_unknown_referral_is_not_found(
    uow: FakeReferralsUnitOfWork,
) -> None:
    with pytest.raises(NotFound):
        await handlers.record_interview(RecordInterview(uuid.uuid4(), TODAY, "A"), uow, CLOCK)


async def test_a_grant_keeps_the_heads_justification(uow: FakeReferralsUnitOfWork) -> None:
    referral_id, family_id = uuid.uuid4(), uuid.uuid4()
    uow.log.given(REFERRAL, referral_id, referred(family_id))
    uow.families.open_referrals[str(ANNA.pesel)] = (referral_id, family_id)
    command = DecideOnReferral(referral_id, granted=True, reason="Trudna sytuacja dzieci.")
    answer = await handlers.decide_on_referral(command, uow, CLOCK)
    assert (answer.status, answer.version, answer.events) == (
        ReferralStatus.GRANTED,
        2,
        ("AssistanceGranted",),
    )
    (granted,) = uow.committed
    assert isinstance(granted, AssistanceGranted)
    assert (granted.justification, granted.decided_on) == ("Trudna sytuacja dzieci.", TODAY)
    # Held until casework's CaseOpened is known here.
    assert uow.families.open_referrals


async def test_a_grant_without_a_justification_records_none(uow: FakeReferralsUnitOfWork) -> None:
    referral_id = uuid.uuid4()
    uow.log.given(REFERRAL, referral_id, referred(uuid.uuid4()))
    await handlers.decide_on_referral(DecideOnReferral(referral_id, granted=True), uow, CLOCK)
    (granted,) = uow.committed
    assert isinstance(granted, AssistanceGranted) and granted.justification is None


async def test_a_refusal_releases_the_family_in_the_index(uow: FakeReferralsUnitOfWork) -> None:
    referral_id, family_id = uuid.uuid4(), uuid.uuid4()
    uow.log.given(REFERRAL, referral_id, referred(family_id))
    uow.families.open_referrals[str(ANNA.pesel)] = (referral_id, family_id)
    command = DecideOnReferral(referral_id, granted=False, reason="Brak zgody rodziny")
    await handlers.decide_on_referral(command, uow, CLOCK)
    assert uow.committed == [
        ReferralDeclined(family_id=family_id, decided_on=TODAY, reason="Brak zgody rodziny")
    ]
    assert uow.families.open_referrals == {}


async def test_a_refused_decision_stores_nothing(uow: FakeReferralsUnitOfWork) -> None:
    referral_id = uuid.uuid4()
    uow.log.given(REFERRAL, referral_id, referred(uuid.uuid4(), ReferralSource.SCHOOL))
    with pytest.raises(InterviewRequired):
        await handlers.decide_on_referral(DecideOnReferral(referral_id, granted=True), uow, CLOCK)
    with pytest.raises(DeclineNeedsReason):
        uow.log.given(
            REFERRAL,
            referral_id,
            FamilyInterviewRecorded(conducted_on=TODAY, social_worker="A"),
        )
        await handlers.decide_on_referral(
            DecideOnReferral(referral_id, granted=False, reason="  "), uow(METADATA), CLOCK
        )
    assert uow.committed == []


# --- erase_family -------------------------------------------------------------------------


async def test_erasure_destroys_the_familys_data_and_says_so(uow: FakeReferralsUnitOfWork) -> None:
    family_id = uuid.uuid4()
    uow.families.districts[family_id] = WOLA
    command = EraseFamily(family_id=family_id, reason="upływ okresu przechowywania")
    assert await handlers.erase_family(command, uow, CLOCK) == family_id
    assert uow.family_data.destroyed == [(family_id, NOW)]
    assert uow.committed == [
        FamilyDataErased(erased_on=TODAY, reason="upływ okresu przechowywania", district=WOLA)
    ]
    (envelope,) = uow.stored
    assert (envelope.aggregate_type, envelope.district, envelope.family_id) == (
        FAMILY.name,
        WOLA,
        None,
    )


async def test_erasure_of_a_family_never_seen_is_not_found(uow: FakeReferralsUnitOfWork) -> None:
    with pytest.raises(NotFound):
        await handlers.erase_family(EraseFamily(uuid.uuid4(), "powód"), uow, CLOCK)
    assert uow.family_data.destroyed == []


# --- notifications ------------------------------------------------------------------------


def notification(digest: str = "d1", kind: str = "school") -> Notification:
    return Notification(
        sender_key=f"{kind}:sender:REF/1",
        sender="Szkoła Podstawowa nr 1",
        sender_subject="sender",
        district=OCHOTA,
        kind=kind,
        reference="REF/1",
        body_digest=digest,
    )


async def test_a_schools_notification_files_a_referral_once() -> None:
    uow = FakeReferralsUnitOfWork(InMemoryEventLog())
    command = ReceiveReferralNotification(notification(), referral(ReferralSource.SCHOOL))
    answer = await handlers.receive_referral_notification(command, uow, CLOCK)
    assert answer.status_code == 201
    assert answer.body == {
        "notification_id": str(command.notification_id),
        "kind": "school",
        "referral_id": str(command.referral.referral_id),
        "status": ReferralStatus.AWAITING_INTERVIEW.value,
    }
    (event,) = uow.committed
    assert isinstance(event, FamilyReferred) and event.source is ReferralSource.SCHOOL

    repeat = ReceiveReferralNotification(notification(), referral(ReferralSource.SCHOOL))
    again = uow(METADATA)
    assert await handlers.receive_referral_notification(repeat, again, CLOCK) == answer
    assert again.committed == []

    with pytest.raises(NotificationReferenceReused):
        changed = ReceiveReferralNotification(notification("d2"), referral(ReferralSource.SCHOOL))
        await handlers.receive_referral_notification(changed, uow(METADATA), CLOCK)


def opinion_request() -> ReceiveOpinionRequestNotification:
    return ReceiveOpinionRequestNotification(
        notification=notification(kind="court:opinion_request"),
        members=(ANNA,),
        court_name="Sąd Rejonowy, III Wydział Rodzinny",
        case_signature="III Nsm 1/26",
        deadline=date(2026, 12, 15),
    )


async def test_a_courts_request_for_an_opinion_goes_to_the_active_case(
    uow: FakeReferralsUnitOfWork,
) -> None:
    case_id, family_id = uuid.uuid4(), uuid.uuid4()
    uow.families.cases[case_id] = CaseRow(family_id, OCHOTA, True, {str(ANNA.pesel)})
    command = opinion_request()
    answer = await handlers.receive_opinion_request(command, uow, CLOCK)
    assert answer.body["status"] == "forwarded_to_case"
    assert answer.body["case_id"] == str(case_id)
    assert uow.committed == [
        CourtOpinionRequestReceived(
            case_id=case_id,
            family_id=family_id,
            court_name="Sąd Rejonowy, III Wydział Rodzinny",
            case_signature="III Nsm 1/26",
            received_on=TODAY,
            deadline=date(2026, 12, 15),
            district=OCHOTA,
        )
    ]
    (envelope,) = uow.stored
    assert (envelope.aggregate_id, envelope.family_id) == (command.notification_id, family_id)


async def test_a_request_for_an_opinion_without_an_active_case_is_refused(
    uow: FakeReferralsUnitOfWork,
) -> None:
    with pytest.raises(NoActiveCaseForOpinion):
        await handlers.receive_opinion_request(opinion_request(), uow, CLOCK)
    assert uow.committed == []
    assert uow.notifications.records == {}
