"""Territorial units (TERC codes of GUS's TERYT register) that centres serve.

A TERC code has seven digits: voivodeship (2), powiat (2), gmina (2) and the unit's type (1).
Warsaw's districts are powiat 1465 with type digit 8. The domain notes once gave Ochota as
1465058; GUS's register has 1465058 for Mokotów and 1465068 for Ochota, and we follow GUS.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from shared.domain.validation import invalid

# Voivodeship codes are the even numbers 02..32.
_VOIVODESHIPS = {f"{n:02d}" for n in range(2, 33, 2)}
# 1 urban gmina, 2 rural, 3 urban-rural, 4 town in an urban-rural gmina, 5 its rural area,
# 8 a district of Warsaw, 9 a delegation (delegatura) of another city.
_UNIT_TYPES = set("1234589")
_TERC = re.compile(r"^\d{7}$")

WARSAW_DISTRICTS: dict[str, str] = {
    "1465028": "Bemowo",
    "1465038": "Białołęka",
    "1465048": "Bielany",
    "1465058": "Mokotów",
    "1465068": "Ochota",
    "1465078": "Praga-Południe",
    "1465088": "Praga-Północ",
    "1465098": "Rembertów",
    "1465108": "Śródmieście",
    "1465118": "Targówek",
    "1465128": "Ursus",
    "1465138": "Ursynów",
    "1465148": "Wawer",
    "1465158": "Wesoła",
    "1465168": "Wilanów",
    "1465178": "Włochy",
    "1465188": "Wola",
    "1465198": "Żoliborz",
}


class InvalidDistrictCode(ValueError):
    """The text is not a well-formed TERC code."""

    def __init__(self, polish: str, english: str) -> None:
        super().__init__(polish)
        self.polish = polish
        self.english = english


def check_terc(code: str) -> str:
    """Return `code` if it is a well-formed TERC code, else raise InvalidDistrictCode.

    Warsaw's powiat (1465) only has the city (type 1) and its 18 districts (type 8): any
    other code there is refused, because it names no unit a centre can serve.
    """
    if not _TERC.match(code):
        raise InvalidDistrictCode("kod TERC ma 7 cyfr", "a TERC code has 7 digits")
    if code[:2] not in _VOIVODESHIPS:
        raise InvalidDistrictCode(
            "kod TERC zaczyna się kodem województwa (02, 04, … 32)",
            "a TERC code starts with a voivodeship code (02, 04, … 32)",
        )
    if code[6] not in _UNIT_TYPES:
        raise InvalidDistrictCode(
            "ostatnia cyfra kodu TERC to rodzaj jednostki (1–5, 8, 9)",
            "the last digit of a TERC code is the unit type (1-5, 8, 9)",
        )
    if code.startswith("1465") and code not in WARSAW_DISTRICTS and code != "1465011":
        raise InvalidDistrictCode(
            "nie ma takiej dzielnicy Warszawy w rejestrze TERC",
            "no such district of Warsaw in the TERC register",
        )
    return code


def district_name(code: str) -> str:
    """The unit's name where we know it, else the code itself."""
    return WARSAW_DISTRICTS.get(code, code)


def _district(code: str) -> str:
    if code in WARSAW_DISTRICTS:
        return code  # well-formed by definition: the common case, a set lookup
    try:
        return check_terc(code)
    except InvalidDistrictCode as exc:
        raise invalid("invalid_terc", exc.polish, exc.english) from exc


DistrictCode = Annotated[str, AfterValidator(_district)]
