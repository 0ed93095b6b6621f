"""Every reaction of casework to another service's event, given/when/then on the fakes: the
event becomes the same command the API would send, run by the same handler."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from structlog.testing import capture_logs

from services.casework.application.reactions import REACTIONS, case_id_for, react
from services.casework.domain.case import CASE
from services.casework.domain.caseload import CASELOAD
from shared.events import (
    AssistanceGranted,
    AssistantRegistered,
    CaseClosed,
    CaseloadOpened,
    CaseloadResumed,
    CaseloadSuspended,
    CaseOpened,
    ClosureReason,
    CourtOpinionRequested,
    CourtOpinionRequestReceived,
    FamilyReferred,
    FurtherReferralReceived,
    MonitoringEnded,
    ReferralLinked,
    ReferralSource,
)
from shared.events.directory import (
    AssistantDeactivated,
    AssistantReactivated,
    DeactivationReason,
)
from shared.eventstore.runner import CommandRunner
from shared.testing import FakeUnitOfWork
from tests.events import envelope_of
from tests.unit.casework.given import CLOCK, MEMBERS, OCHOTA, TODAY, World, opened


@pytest.fixture
def world() -> World:
    return World()


async def when(world: World, event: object, kind: str, aggregate_id: uuid.UUID) -> None:
    runner = CommandRunner(FakeUnitOfWork(world.log), CLOCK)
    await react(envelope_of(event, kind, aggregate_id), runner)  # type: ignore[arg-type]


def granted() -> AssistanceGranted:
    return AssistanceGranted(
        family_id=uuid.uuid4(),
        source=ReferralSource.SOCIAL_WORKER,
        obligatory=False,
        decided_on=date(2026, 3, 1),
        members=MEMBERS,
    )


async def test_a_granted_referral_opens_one_case_whatever_the_redeliveries(world: World) -> None:
    referral_id = uuid.uuid4()
    event = granted()
    await when(world, event, "referral", referral_id)
    with capture_logs() as logs:
        await when(world, event, "referral", referral_id)
    (only,) = world.events(CASE, case_id_for(referral_id))
    assert isinstance(only, CaseOpened)
    assert (only.referral_id, only.family_id, only.district) == (
        referral_id,
        event.family_id,
        OCHOTA,
    )
    assert [entry["code"] for entry in logs if entry["event"] == "reaction.refused"] == [
        "case-already-opened"
    ]


async def test_a_courts_request_is_added_to_the_case(world: World) -> None:
    case_id = world.case(opened())
    request_id = uuid.uuid4()
    await when(
        world,
        CourtOpinionRequestReceived(
            case_id=case_id,
            family_id=opened().family_id,
            court_name="SR Warszawa-Ochota",
            case_signature="III Nsm 5/26",
            received_on=date(2026, 3, 1),
            deadline=date(2026, 3, 31),
        ),
        "referral",
        request_id,
    )
    requested = world.events(CASE, case_id)[-1]
    assert isinstance(requested, CourtOpinionRequested)
    assert (requested.request_id, requested.deadline) == (request_id, date(2026, 3, 31))


async def test_a_request_a_rule_refuses_is_logged_and_not_retried(world: World) -> None:
    closed_for_good = world.case(
        opened(),
        CaseClosed(reason=ClosureReason.OTHER, closed_on=date(2026, 2, 1)),
        MonitoringEnded(ended_on=date(2026, 2, 2)),
    )
    event = CourtOpinionRequestReceived(
        case_id=closed_for_good,
        family_id=opened().family_id,
        court_name="SR",
        case_signature="1",
        received_on=TODAY,
        deadline=TODAY,
    )
    with capture_logs() as logs:
        await when(world, event, "referral", uuid.uuid4())  # no exception: the stream moves on
    assert len(world.events(CASE, closed_for_good)) == 3
    (refused,) = [entry for entry in logs if entry["event"] == "reaction.refused"]
    assert refused["code"] == "wrong-case-status"


async def test_a_request_for_an_unknown_case_is_logged(world: World) -> None:
    event = CourtOpinionRequestReceived(
        case_id=uuid.uuid4(),
        family_id=uuid.uuid4(),
        court_name="SR",
        case_signature="1",
        received_on=TODAY,
        deadline=TODAY,
    )
    with capture_logs() as logs:
        await when(world, event, "referral", uuid.uuid4())
    assert [e["code"] for e in logs if e["event"] == "reaction.refused"] == ["not-found"]


async def test_a_referral_linked_to_a_case_is_recorded_on_it(world: World) -> None:
    case_id = world.case(opened())
    referral_id = uuid.uuid4()
    await when(
        world,
        ReferralLinked(
            to_case_id=case_id, source=ReferralSource.SCHOOL, referred_on=date(2026, 3, 1)
        ),
        "referral",
        referral_id,
    )
    linked = world.events(CASE, case_id)[-1]
    assert linked == FurtherReferralReceived(
        referral_id=referral_id,
        source=ReferralSource.SCHOOL,
        sender_reference=None,
        referred_on=date(2026, 3, 1),
    )


async def test_a_referral_linked_to_another_referral_asks_nothing(world: World) -> None:
    await when(
        world,
        ReferralLinked(
            to_referral_id=uuid.uuid4(), source=ReferralSource.SCHOOL, referred_on=TODAY
        ),
        "referral",
        uuid.uuid4(),
    )
    assert world.log.streams == {}


async def test_the_directorys_assistant_events_open_suspend_and_resume_a_caseload(
    world: World,
) -> None:
    assistant_id = uuid.uuid4()
    registered = AssistantRegistered(
        first_name="Ewa",
        last_name="Test",
        district=OCHOTA,
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    await when(world, registered, "assistant", assistant_id)
    await when(world, registered, "assistant", assistant_id)  # redelivered: still one
    await when(
        world,
        AssistantDeactivated(ended_on=date(2026, 2, 28), reason=next(iter(DeactivationReason))),
        "assistant",
        assistant_id,
    )
    await when(world, AssistantReactivated(resumed_on=TODAY), "assistant", assistant_id)
    assert world.events(CASELOAD, assistant_id) == [
        CaseloadOpened(district=OCHOTA, assistant_name="Ewa Test"),
        CaseloadSuspended(since=date(2026, 2, 28)),
        CaseloadResumed(since=TODAY),
    ]


async def test_an_event_casework_does_not_react_to_changes_nothing(world: World) -> None:
    referred = FamilyReferred(
        family_id=uuid.uuid4(),
        district=OCHOTA,
        source=ReferralSource.SCHOOL,
        referred_on=TODAY,
        members=MEMBERS,
    )
    assert referred.event_type not in REACTIONS
    await when(world, referred, "referral", uuid.uuid4())
    assert world.log.streams == {}
