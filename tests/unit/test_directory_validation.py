"""What the directory accepts: REGON, postal code, phone, e-mail; search folding; the seed."""

from collections import Counter
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from stdnum.pl import regon as stdnum_regon

from services.directory.domain.text_search import fold, query_terms, search_document
from services.directory.seed import SeedFailed, load_seed, seed_institutions
from shared.domain.districts import WARSAW_DISTRICTS
from shared.domain.identifiers import check_regon
from shared.events import EVENT_TYPES
from shared.events.directory import (
    AssistantRegistered,
    InstitutionCategory,
    InstitutionDetails,
    PostalAddress,
    check_email,
    check_phone,
)

OCHOTA = "1465068"


def details(**changes: Any) -> InstitutionDetails:
    fields: dict[str, Any] = {
        "name": "Poradnia Psychologiczno-Pedagogiczna nr 9",
        "category": "diagnostic_centre",
        "regon": "123456785",
        "address": {"street": "ul. Szczęśliwicka 56", "postal_code": "02-353"},
        "district": OCHOTA,
    }
    fields.update(changes)
    return InstitutionDetails.model_validate(fields)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("123456785", "123456785"),
        ("192598184", "192598184"),
        ("12345678512347", "12345678512347"),
        ("123-456-785", "123456785"),
        (" 123 456 785 ", "123456785"),
    ],
)
def test_a_regon_of_9_or_14_digits_with_valid_check_digits_is_accepted(
    given: str, stored: str
) -> None:
    assert check_regon(given) == stored
    assert details(regon=given).regon == stored


@pytest.mark.parametrize(
    ("regon", "message"),
    [
        ("123456786", "cyfra kontrolna"),
        ("12345678612342", "cyfra kontrolna"),  # the 9-digit part's check digit is wrong
        ("12345678512348", "cyfra kontrolna"),
        ("12345678", "9 lub 14 cyfr"),
        ("1234567851234", "9 lub 14 cyfr"),
        ("12345678A", "z samych cyfr"),
    ],
)
def test_an_invalid_regon_is_refused_with_the_reason(regon: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_regon(regon)
    with pytest.raises(ValidationError, match=message):
        details(regon=regon)


@pytest.mark.parametrize("code", ["02-353", "00-001", "05-075"])
def test_a_postal_code_is_nn_nnn(code: str) -> None:
    assert PostalAddress(street="ul. Grójecka 17a", postal_code=code).postal_code == code


@pytest.mark.parametrize("code", ["02353", "02-35", "2-353", "02 353", "AB-CDE", "02-3533"])
def test_a_malformed_postal_code_is_refused(code: str) -> None:
    with pytest.raises(ValidationError, match="NN-NNN"):
        PostalAddress(street="ul. Grójecka 17a", postal_code=code)


@pytest.mark.parametrize(
    "phone",
    [
        "22 822 39 88",
        "+48 22 822 39 88",
        "(22) 822-39-88",
        "600123456",
        "116 111",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers_as_people_write_them(phone: str) -> None:
    assert check_phone(phone) == phone


@pytest.mark.parametrize("phone", ["22 822 39", "+48 22 822 39 888", "tel. 22 822 39 88", "12"])
def test_a_phone_number_that_cannot_be_dialled_is_refused(phone: str) -> None:
    with pytest.raises(ValueError, match="telefon"):
        check_phone(phone)


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("sekretariat@ppp9.waw.pl", "sekretariat@ppp9.waw.pl"),
        ("Jan.Kowalski+asysta@OPS-Ochota.Waw.PL", "Jan.Kowalski+asysta@ops-ochota.waw.pl"),
        (" biuro@fundacja.org ", "biuro@fundacja.org"),
    ],
)
def test_an_email_address_is_accepted_with_its_domain_lower_cased(email: str, stored: str) -> None:
    assert check_email(email) == stored


@pytest.mark.parametrize(
    "email",
    [
        "sekretariat",
        "sekretariat@",
        "@ppp9.waw.pl",
        "a@b",
        "a b@ppp9.waw.pl",
        "a@@ppp9.waw.pl",
        "a@ppp9..waw.pl",
        ".a@ppp9.waw.pl",
        "a..b@ppp9.waw.pl",
        "a@-ppp9.waw.pl",
        "sekretariat@ppp9.waw.pl.",
    ],
)
def test_a_malformed_email_address_is_refused(email: str) -> None:
    with pytest.raises(ValueError, match="e-mail"):
        check_email(email)
    with pytest.raises(ValidationError, match="e-mail"):
        details(email=email)


def test_the_seat_district_and_repeated_entries_are_not_listed_twice() -> None:
    institution = details(
        also_serves=[OCHOTA, "1465178", "1465178"], competence=["diagnoza", " diagnoza ", "opinie"]
    )
    assert institution.also_serves == ("1465178",)
    assert institution.districts == (OCHOTA, "1465178")
    assert institution.competence == ("diagnoza", "opinie")


def test_an_institution_refuses_unknown_fields_and_a_district_outside_the_register() -> None:
    with pytest.raises(ValidationError):
        details(director="Jan Kowalski")
    with pytest.raises(ValidationError):
        details(district="1465208")


def test_the_new_directory_events_are_registered_and_assistant_registered_stays_compatible() -> (
    None
):
    for name in (
        "AssistantEmploymentChanged",
        "AssistantDeactivated",
        "AssistantReactivated",
        "InstitutionRegistered",
        "InstitutionUpdated",
        "InstitutionClosed",
    ):
        assert name in EVENT_TYPES
    stored_before = {
        "first_name": "Ewa",
        "last_name": "Dąbrowska",
        "district": "1465188",
        "employment_form": "employment_contract",
        "works_since": "2026-01-01",
    }
    event = AssistantRegistered.model_validate(stored_before)
    assert event.works_since == date(2026, 1, 1)
    assert event.working_time is None and event.works_until is None
    assert AssistantRegistered.schema_version == 1


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Łódź", "lodz"),
        ("ŻÓŁTA GĘŚ", "zolta ges"),
        ("Zażółć gęślą jaźń", "zazolc gesla jazn"),
        ("  Poradnia   nr 9 ", "poradnia nr 9"),
    ],
)
def test_folding_drops_case_and_polish_diacritics_including_l_with_stroke(
    text: str, folded: str
) -> None:
    assert fold(text) == folded


def test_a_search_document_keeps_word_beginnings_apart() -> None:
    document = search_document(["Sąd Rejonowy dla Warszawy Pragi-Południe", "(art. 109 KRO)"])
    assert document == " sad rejonowy dla warszawy pragi poludnie art 109 kro"
    assert query_terms("PRAGI-południe  pragi 109%") == ["pragi", "poludnie", "109"]


def test_the_seed_covers_every_warsaw_district_and_category_with_valid_regons() -> None:
    institutions = seed_institutions()
    assert len(institutions) >= 36
    seats = Counter(i.district for i in institutions)
    assert set(seats) == set(WARSAW_DISTRICTS)
    assert min(seats.values()) >= 2
    assert {i.category for i in institutions} == set(InstitutionCategory)
    regons = [i.regon for i in institutions]
    assert len(set(regons)) == len(regons)
    assert all(stdnum_regon.is_valid(r) for r in regons)
    assert any(len(r) == 14 for r in regons)
    for institution in institutions:
        assert institution.phone and institution.email and institution.competence
        # Invented contacts only: nothing in the seed reaches a real mailbox.
        assert institution.email.endswith(".example")


class FakeResponse:
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self._body = body
        self.text = str(body)

    def json(self) -> Any:
        return self._body


def test_loading_the_seed_twice_skips_what_is_there() -> None:
    known: set[str] = set()

    def post(path: str, body: dict[str, Any]) -> FakeResponse:
        assert path == "/institutions"
        if body["regon"] in known:
            return FakeResponse(
                409, {"type": "https://asysta.pl/problems/regon-already-registered"}
            )
        known.add(body["regon"])
        return FakeResponse(201, {})

    first = load_seed(post)
    assert first.created == len(seed_institutions()) and first.already_present == 0
    second = load_seed(post)
    assert second.created == 0 and second.already_present == first.created


def test_loading_the_seed_stops_at_any_other_refusal() -> None:
    with pytest.raises(SeedFailed, match="422"):
        load_seed(lambda _path, _body: FakeResponse(422, {"type": "invalid-request"}))
    with pytest.raises(SeedFailed, match="409"):
        load_seed(lambda _path, _body: FakeResponse(409, {"type": "concurrent-change"}))
