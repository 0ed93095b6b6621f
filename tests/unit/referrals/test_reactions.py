"""Referrals' reactions to casework's events, with the in-memory family index: given what the
index knows, when casework's event, then what it knows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from services.referrals.application.reactions import REACTIONS, react
from shared.events import (
    CaseClosed,
    CaseOpened,
    CaseReopened,
    CaseTransferred,
    DomainEvent,
    Envelope,
    FamilyMember,
    ReferralSource,
    TransferDeclined,
)
from tests.unit.referrals.fakes import CaseRow, InMemoryFamilyIndex

OCHOTA, WOLA = "1465068", "1465188"
ANNA = FamilyMember(role="parent", first_name="Anna", last_name="Nowak", pesel="88061412365")
CASE, FAMILY, REFERRAL = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def envelope(event: DomainEvent | type[DomainEvent], district: str = OCHOTA) -> Envelope:
    """Casework's event in its envelope; for a reaction that reads only the envelope, the
    event's type stands for the event."""
    payload = event.model_dump(mode="json") if isinstance(event, DomainEvent) else {}
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type="case",
        aggregate_id=CASE,
        aggregate_version=1,
        family_id=FAMILY,
        district=district,
        occurred_at=datetime(2026, 11, 23, tzinfo=UTC),
        recorded_at=datetime(2026, 11, 23, tzinfo=UTC),
        actor="test",
        correlation_id="test",
        payload=payload,
    )


def case_opened() -> CaseOpened:
    return CaseOpened(
        referral_id=REFERRAL,
        family_id=FAMILY,
        district=OCHOTA,
        source=ReferralSource.FAMILY,
        obligatory=False,
        opened_on=date(2026, 11, 23),
        members=(ANNA,),
    )


def index_with_case(active: bool = True) -> InMemoryFamilyIndex:
    index = InMemoryFamilyIndex()
    index.cases[CASE] = CaseRow(FAMILY, OCHOTA, active, {str(ANNA.pesel)})
    return index


async def test_a_case_opened_releases_its_referral_and_holds_the_family_as_a_case() -> None:
    index = InMemoryFamilyIndex(open_referrals={str(ANNA.pesel): (REFERRAL, FAMILY)})
    await react(index, envelope(case_opened()))
    assert index.open_referrals == {}
    assert index.cases == {CASE: CaseRow(FAMILY, OCHOTA, True, {str(ANNA.pesel)})}


@pytest.mark.parametrize("ended", [CaseClosed, TransferDeclined])
async def test_a_case_that_ended_is_no_longer_active(ended: type[DomainEvent]) -> None:
    index = index_with_case()
    await react(index, envelope(ended))
    assert not index.cases[CASE].active


async def test_a_reopened_case_is_active_again() -> None:
    index = index_with_case(active=False)
    await react(index, envelope(CaseReopened))
    assert index.cases[CASE].active


async def test_a_transferred_case_is_in_its_new_district() -> None:
    index = index_with_case()
    await react(index, envelope(CaseTransferred, district=WOLA))
    assert index.cases[CASE].district == WOLA


async def test_other_events_of_caseworks_stream_change_nothing() -> None:
    index = index_with_case()
    await react(index, envelope(CaseClosed).model_copy(update={"event_type": "VisitLogged"}))
    assert index.cases[CASE].active


def test_the_table_names_casework_events_only() -> None:
    assert set(REACTIONS) == {
        CaseOpened.event_type,
        CaseClosed.event_type,
        TransferDeclined.event_type,
        CaseReopened.event_type,
        CaseTransferred.event_type,
    }
