"""Value types declared once and used by a request, a command and an event alike (the PESEL's
is `shared.events.family.Pesel`).

Each is an `Annotated` alias: the bound and the refusal of control characters travel with the
type, so a 100,000-character name or a NUL byte is refused with a 422 at the edge, never stored
(PostgreSQL refuses NUL in text with a 500, and an encrypted field would keep it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shared.domain.personal import PERSONAL
from shared.domain.validation import invalid

# Line breaks and tabs are text; every other control character (NUL included) is not, nor
# a surrogate or a private-use character: Unicode's categories Cc (but \t \n \r), Cs and Co,
# as one character class (checked against unicodedata in tests/unit/test_values.py), which
# costs a fraction of asking unicodedata character by character.
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)


def _no_control_characters(value: str) -> str:
    if _REFUSED.search(value) is not None:
        raise invalid(
            "control_characters",
            "tekst zawiera niedozwolone znaki sterujące",
            "the text contains control characters",
        )
    return value


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value or "\t" in value:
        raise invalid(
            "single_line",
            "to pole mieści jeden wiersz tekstu",
            "this field holds a single line of text",
        )
    return value


# A label or name on one line: a person's first or last name, a court's name, a signature.
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_no_control_characters),
    AfterValidator(_single_line),
    PERSONAL,
]
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    AfterValidator(_no_control_characters),
    AfterValidator(_single_line),
]
# What someone wrote: a visit's note, a reason, a summary. Personal: encrypted per family.
FreeText = Annotated[
    str,
    StringConstraints(max_length=4000),
    AfterValidator(_no_control_characters),
    PERSONAL,
]
RequiredFreeText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    AfterValidator(_no_control_characters),
    PERSONAL,
]
LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=8000),
    AfterValidator(_no_control_characters),
    PERSONAL,
]
# A reason given by staff (not the family's data): kept in clear.
Reason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
    AfterValidator(_no_control_characters),
]
# A visit lasts from a minute to a working day.
VisitMinutes = Annotated[int, Field(gt=0, le=12 * 60)]


# The day the services count as today. Each composition root sets it from its clock (which
# tests and training installations shift), so "not in the future" agrees with the domain's rules.
def _system_today() -> date:
    from shared.domain.clock import SystemClock

    return SystemClock().today()


_today: Callable[[], date] = _system_today


def use_today(today: Callable[[], date]) -> None:
    """Make `PastDate` compare with this service's clock."""
    global _today
    _today = today


def _not_in_the_future(value: date) -> date:
    today = _today()
    if value > today:
        raise invalid(
            "date_in_future",
            "data nie może być późniejsza niż dzisiejsza",
            "the date cannot be later than today",
        )
    if value.year < 1900:
        raise invalid("date_too_early", "data sprzed 1900 roku", "a date before 1900")
    return value


def _plausible(value: date) -> date:
    if not 1900 <= value.year <= 2200:
        raise invalid(
            "date_out_of_range",
            "data spoza zakresu lat 1900–2200",
            "the date is outside the years 1900–2200",
        )
    return value


PastDate = Annotated[date, AfterValidator(_not_in_the_future)]
"""A date that has happened: a visit, a consent, a referral."""

CalendarDate = Annotated[date, AfterValidator(_plausible)]
"""Any date a person may type for a deadline: bounded so that arithmetic never overflows."""
