"""Crypto-shredding of personal fields inside events."""

import os
import uuid
from datetime import date

import pytest
from cryptography.exceptions import InvalidTag

from shared.events import ERASED_MARK, CaseOpened, FamilyMember, VisitLogged
from shared.eventstore.crypto import (
    decrypt_payload,
    encrypt_payload,
    open_value,
    personal_paths,
    seal_value,
)
from suite.demo_data import pesel

FAMILY = uuid.uuid4()


def opened() -> dict:
    member = FamilyMember(
        role="parent",
        first_name="Anna",
        last_name="Nowak",
        pesel=pesel(date(1988, 6, 14), 5, female=True),
    )
    return CaseOpened(
        referral_id=uuid.uuid4(),
        family_id=FAMILY,
        district="1465068",
        source="family",
        obligatory=False,
        opened_on=date(2026, 1, 1),
        members=(member,),
    ).model_dump(mode="json")


def test_the_personal_fields_are_found_by_their_marker() -> None:
    assert {p for p, _ in personal_paths("CaseOpened")} == {
        ("members", "*", "first_name"),
        ("members", "*", "last_name"),
        ("members", "*", "pesel"),
        ("members", "*", "birth_date"),
        ("members", "*", "document_number"),
        ("members", "*", "address"),
        ("members", "*", "phone"),
    }
    assert {p for p, _ in personal_paths("VisitLogged")} == {("present", "*"), ("note",)}
    assert personal_paths("AssistantRegistered") == ()


def test_encrypted_fields_read_back_with_the_key_and_as_erased_without() -> None:
    key = os.urandom(32)
    payload = opened()
    sealed = encrypt_payload("CaseOpened", payload, key, FAMILY)
    assert "Nowak" not in str(sealed) and payload["members"][0]["pesel"] not in str(sealed)
    assert sealed["opened_on"] == payload["opened_on"]  # not personal: kept in clear
    assert decrypt_payload("CaseOpened", sealed, key, FAMILY) == payload
    erased = CaseOpened.model_validate(decrypt_payload("CaseOpened", sealed, None, FAMILY))
    assert erased.members[0].first_name == ERASED_MARK
    assert erased.members[0].pesel is None
    assert erased.members[0].role == "parent" and erased.opened_on == date(2026, 1, 1)


def test_a_key_opens_only_its_own_familys_data() -> None:
    key = os.urandom(32)
    sealed = encrypt_payload("CaseOpened", opened(), key, FAMILY)
    # The family id is authenticated data of every field.
    with pytest.raises(InvalidTag):
        decrypt_payload("CaseOpened", sealed, key, uuid.uuid4())


def test_nothing_personal_is_stored_for_an_erased_family() -> None:
    visit = VisitLogged(
        visit_id=uuid.uuid4(),
        assistant_id=uuid.uuid4(),
        visited_on=date(2026, 1, 2),
        duration_minutes=30,
        place="home",
        present=("Anna",),
        topics=("budget",),
        note="notatka",
    )
    sealed = encrypt_payload("VisitLogged", visit.model_dump(mode="json"), None, FAMILY)
    assert sealed["note"] == ERASED_MARK and sealed["present"] == [ERASED_MARK]


def test_a_read_model_value_is_sealed_for_its_family_and_unreadable_without_the_key() -> None:
    key = os.urandom(32)
    sealed = seal_value(key, FAMILY, {"family_name": "Łódź"})
    assert sealed is not None and "Łódź" not in sealed
    assert open_value(key, FAMILY, sealed) == {"family_name": "Łódź"}
    assert open_value(None, FAMILY, sealed) is None
    assert seal_value(None, FAMILY, {"family_name": "Łódź"}) is None
