"""The centre heading a family's documents is the centre of the case's (or the referral's)
district: the shipped table of Warsaw's district centres, a file of centres over it
(ASYSTA_CENTRES_FILE), and the single centre of ASYSTA_CENTRE_* for a district named nowhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from services.documents import (
    CentresFileError,
    DocumentKind,
    centre_for,
    centres_table,
    render_html,
    render_pdf,
)
from shared.domain.districts import WARSAW_DISTRICTS
from tests.documents import scenario
from tests.documents.conftest import ISSUED_BY, ISSUED_ON, first_page_png, pdf_text

WOLA = "1465188"
OSTRODA = "2815011"  # Ostróda, an urban gmina outside Warsaw: in no shipped table


@pytest.fixture(autouse=True)
def _single_centre_from_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NAME", "ADDRESS", "CITY", "PHONE", "EMAIL", "LOGO"):
        monkeypatch.delenv(f"ASYSTA_CENTRE_{name}", raising=False)
    monkeypatch.delenv("ASYSTA_CENTRES_FILE", raising=False)


def in_district(district: str) -> dict[str, Any]:
    case, referral = scenario.case(), scenario.referral()
    case["district"] = referral["district"] = district
    case["districts"] = [district]
    return {"case": case, "referral": referral, "people": scenario.PEOPLE}


def consent_text(data: dict[str, Any]) -> str:
    pdf = render_pdf(DocumentKind.CONSENT_FORM, data, issued_by=ISSUED_BY, issued_on=ISSUED_ON)
    return pdf_text(pdf)


def test_a_wola_case_is_printed_by_the_wola_centre() -> None:
    pdf = render_pdf(
        DocumentKind.CONSENT_FORM, in_district(WOLA), issued_by=ISSUED_BY, issued_on=ISSUED_ON
    )
    first_page_png(pdf, "consent_form_wola")
    text = pdf_text(pdf)
    assert "Ośrodek Pomocy Społecznej Dzielnicy Wola m.st. Warszawy" in text
    assert "ul. Leszno 7" in text and "01-192 Warszawa" in text
    assert "wyznaczonym przez Ośrodek Pomocy Społecznej Dzielnicy Wola" in text
    assert "Warszawa, 1 grudnia 2026" in text
    assert "Ochota" not in text and "Grójecka" not in text


def test_a_referrals_decision_is_printed_by_its_districts_centre() -> None:
    data = in_district(WOLA)
    page = render_html(
        DocumentKind.DECISION,
        {"referral": data["referral"], "people": data["people"]},
        issued_by=ISSUED_BY,
        issued_on=ISSUED_ON,
    )
    assert "Ośrodek Pomocy Społecznej Dzielnicy Wola m.st. Warszawy" in page
    assert "Ochota" not in page


def test_each_warsaw_district_has_its_centre_by_the_official_pattern() -> None:
    table = centres_table()
    assert set(WARSAW_DISTRICTS) <= set(table)
    for code, name in WARSAW_DISTRICTS.items():
        centre = centre_for(code)
        assert centre.name == f"Ośrodek Pomocy Społecznej Dzielnicy {name} m.st. Warszawy"
        assert centre.city == "Warszawa"
        # An address is two lines (street, postal code and town) or none at all.
        assert len(centre.address_lines) in (0, 2), code
        if centre.address_lines:
            assert centre.address_lines[1].endswith(" Warszawa"), code


def test_a_file_of_centres_replaces_the_districts_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    logo = tmp_path / "herb-woli.png"
    Image.new("RGB", (64, 64), (30, 90, 200)).save(logo)
    centres = tmp_path / "centres.json"
    centres.write_text(
        json.dumps(
            {
                "centres": {
                    WOLA: {
                        "name": "Ośrodek Pomocy Społecznej Dzielnicy Wola m.st. Warszawy",
                        "address": ["ul. Tymczasowa 1", "01-000 Warszawa"],
                        "city": "Warszawa",
                        "phone": "22 111 22 33",
                        "logo": "herb-woli.png",
                    }
                }
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("ASYSTA_CENTRES_FILE", str(centres))
    text = consent_text(in_district(WOLA))
    assert "ul. Tymczasowa 1" in text and "tel. 22 111 22 33" in text
    assert "ul. Leszno 7" not in text
    assert centre_for(WOLA).logo == logo
    page = render_html(
        DocumentKind.CONSENT_FORM,
        in_district(WOLA),
        issued_by=ISSUED_BY,
        issued_on=ISSUED_ON,
    )
    assert 'src="data:image/png;base64,' in page
    # The other districts keep the shipped entries.
    assert centre_for("1465068").address_lines == ("ul. Grójecka 17a", "02-021 Warszawa")


def test_a_gmina_outside_warsaw_names_its_centre_in_a_toml_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centres = tmp_path / "osrodki.toml"
    centres.write_text(
        f"""
[centres."{OSTRODA}"]
name = "Miejski Ośrodek Pomocy Społecznej w Ostródzie"
address = ["ul. Jana III Sobieskiego 1", "14-100 Ostróda"]
city = "Ostróda"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("ASYSTA_CENTRES_FILE", str(centres))
    text = consent_text(in_district(OSTRODA))
    assert "Miejski Ośrodek Pomocy Społecznej w Ostródzie" in text
    assert "14-100 Ostróda" in text and "Ostróda, 1 grudnia 2026" in text


def test_a_district_named_nowhere_gets_the_single_centre_of_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ASYSTA_CENTRE_NAME", "Gminny Ośrodek Pomocy Społecznej w Przykładowie")
    monkeypatch.setenv("ASYSTA_CENTRE_ADDRESS", "ul. Główna 1|00-001 Przykładowo")
    monkeypatch.setenv("ASYSTA_CENTRE_CITY", "Przykładowo")
    text = consent_text(in_district(OSTRODA))
    assert "Gminny Ośrodek Pomocy Społecznej w Przykładowie" in text
    assert "00-001 Przykładowo" in text and "Przykładowo, 1 grudnia 2026" in text
    # A district the table names keeps its own centre whatever the single centre says.
    assert "Dzielnicy Wola" in consent_text(in_district(WOLA))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"centres": {"1465999": {"name": "X", "city": "Warszawa"}}}', "no such district"),
        ('{"centres": {"1465188": {"city": "Warszawa"}}}', "name"),
        ('{"centres": {"1465188": {"name": "X", "city": "W", "fax": "1"}}}', "fax"),
        ("[1, 2]", "centres"),
        ("{not json", "not valid"),
    ],
)
def test_a_file_of_centres_that_cannot_be_used_is_said_with_its_path(
    content: str, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    centres = tmp_path / "bad.json"
    centres.write_text(content, encoding="utf-8")
    monkeypatch.setenv("ASYSTA_CENTRES_FILE", str(centres))
    with pytest.raises(CentresFileError) as refused:
        centres_table()
    assert str(centres) in str(refused.value) and problem in str(refused.value)


def test_the_web_app_does_not_start_on_a_missing_file_of_centres(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.web.app import create_app

    monkeypatch.setenv("ASYSTA_CENTRES_FILE", str(tmp_path / "missing.json"))
    with pytest.raises(CentresFileError, match=r"missing\.json"):
        create_app()
