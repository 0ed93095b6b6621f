"""The event contracts: one definition each, frozen, strict, versioned."""

import json
import random
import string
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.pl import pesel as stdnum_pesel

from shared.domain.districts import InvalidDistrictCode, check_terc
from shared.events import (
    EVENT_TYPES,
    AssistantRegistered,
    DomainEvent,
    Envelope,
    FamilyMember,
    VisitLogged,
    VisitTopic,
)
from shared.events.family import _plain_valid_pesel, check_pesel

FIXTURES = Path(__file__).parent.parent / "fixtures" / "events"


def test_every_event_of_the_first_flow_is_defined_once() -> None:
    for name in (
        "FamilyReferred",
        "AssistanceGranted",
        "ReferralDeclined",
        "AssistantRegistered",
        "AssistantAssigned",
        "VisitLogged",
        "PlanUpdated",
    ):
        assert name in EVENT_TYPES
    with pytest.raises(TypeError, match="defined twice"):
        type("VisitLogged", (DomainEvent,), {"__module__": __name__})


def test_events_are_frozen_and_refuse_unknown_fields() -> None:
    event = AssistantRegistered(
        first_name="Ewa",
        last_name="Dąbrowska",
        district="1465188",
        employment_form="employment_contract",
        works_since=date(2026, 1, 1),
    )
    with pytest.raises(ValidationError):
        event.first_name = "Anna"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        AssistantRegistered(**event.model_dump(), salary=1)


def test_a_stored_version_1_visit_is_read_as_the_current_version() -> None:
    stored = json.loads((FIXTURES / "VisitLogged.v1.json").read_text())
    envelope = Envelope.model_validate(stored)
    assert envelope.schema_version == 1
    event = envelope.event()
    assert isinstance(event, VisitLogged)
    assert event.topics == (VisitTopic.BUDGET, VisitTopic.PARENTING, VisitTopic.SCHOOL)
    assert VisitLogged.schema_version == 2


def test_an_envelope_round_trips_through_json() -> None:
    event = AssistantRegistered(
        first_name="Ewa",
        last_name="Dąbrowska",
        district="1465188",
        employment_form="civil_law_contract",
        works_since=date(2026, 1, 1),
    )
    now = datetime.now(UTC)
    envelope = Envelope(
        event_id=uuid.uuid4(),
        event_type=event.event_type,
        schema_version=event.schema_version,
        aggregate_type="assistant",
        aggregate_id=uuid.uuid4(),
        aggregate_version=1,
        district="1465188",
        occurred_at=now,
        recorded_at=now,
        actor="admin:x",
        correlation_id="c",
        payload=event.model_dump(mode="json"),
    )
    again = Envelope.model_validate_json(envelope.model_dump_json())
    assert again == envelope
    assert again.event() == event


@pytest.mark.parametrize("pesel", ["88061412365", "02270836244"])
def test_a_valid_pesel_is_accepted_and_gives_the_date_of_birth(pesel: str) -> None:
    member = FamilyMember(role="parent", first_name="A", last_name="B", pesel=pesel)
    assert member.birth_date is not None


@pytest.mark.parametrize("pesel", ["88061412366", "8806141236", "88136112365", "abcdefghijk"])
def test_an_invalid_pesel_is_refused(pesel: str) -> None:
    with pytest.raises(ValidationError, match="PESEL"):
        FamilyMember(role="parent", first_name="A", last_name="B", pesel=pesel)


def test_the_quick_pesel_check_agrees_with_stdnum_on_every_kind_of_number() -> None:
    """`check_pesel` checks a plain 11-digit number itself and leaves the rest to stdnum: on
    numbers with right and wrong checksums, months of every century code and impossible
    days, it accepts exactly what stdnum accepts, and returns it unchanged."""
    rng = random.Random(14)
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    for _ in range(20_000):
        body = f"{rng.randrange(100):02d}{rng.randrange(100):02d}{rng.randrange(40):02d}"
        body += f"{rng.randrange(10_000):04d}"
        check = (10 - sum(w * int(n) for w, n in zip(weights, body, strict=True))) % 10
        number = body + str(check if rng.random() < 0.8 else rng.randrange(10))
        try:
            expected: str | None = stdnum_pesel.validate(number)
        except (StdnumValidationError, KeyError):
            expected = None
        assert _plain_valid_pesel(number) == (expected == number), number
        if expected is not None:
            assert check_pesel(number) == expected


def test_the_pesel_check_agrees_with_stdnum_on_every_kind_of_input() -> None:
    # check_pesel checks a compact PESEL itself (the hot path of every consumer) and leaves
    # the rest to stdnum: the two must accept and refuse the same numbers.
    rng = random.Random(14)
    numbers = ["44051401359", " 44051401359", "44051401359 ", "4405-1401359", "٤٤٠٥١٤٠١٣٥٩"]
    numbers += ["".join(rng.choice(string.digits) for _ in range(11)) for _ in range(20_000)]
    for _ in range(20_000):
        stem = "".join(rng.choice(string.digits) for _ in range(10))
        numbers.append(stem + stdnum_pesel.calc_check_digit(stem))  # a right check digit
    accepted = 0
    for number in numbers:
        try:
            expected: str | None = stdnum_pesel.validate(number)
        except StdnumValidationError:
            expected = None
        try:
            got: str | None = check_pesel(number)
        except ValueError:
            got = None
        assert got == expected, number
        accepted += got is not None
    assert accepted > 1_000  # valid dates and check digits were among them


def test_a_member_without_pesel_needs_birth_date_and_document() -> None:
    with pytest.raises(ValidationError, match="bez numeru PESEL"):
        FamilyMember(role="child", first_name="A", last_name="B", birth_date=date(2025, 1, 1))
    member = FamilyMember(
        role="child",
        first_name="A",
        last_name="B",
        birth_date=date(2025, 1, 1),
        document_number="UA1234567",
    )
    assert member.pesel is None


@pytest.mark.parametrize("code", ["1465068", "1465058", "1465011", "0264011", "1206032"])
def test_well_formed_terc_codes(code: str) -> None:
    assert check_terc(code) == code


@pytest.mark.parametrize("code", ["146506", "1465208", "0164011", "1465060", "14650a8"])
def test_malformed_terc_codes(code: str) -> None:
    with pytest.raises(InvalidDistrictCode):
        check_terc(code)
