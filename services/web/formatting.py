"""Dates, times and deadlines as a Polish office writes them: `1 grudnia 2026`, Europe/Warsaw,
"za 3 dni" / "3 dni po terminie"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.web.catalogue import text
from shared.domain.labels import format_date

WARSAW = ZoneInfo("Europe/Warsaw")


def as_date(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(WARSAW).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text_value = str(value)
    try:
        if "T" in text_value:
            parsed = datetime.fromisoformat(text_value.replace("Z", "+00:00"))
            return parsed.astimezone(WARSAW).date() if parsed.tzinfo else parsed.date()
        return date.fromisoformat(text_value[:10])
    except ValueError:
        return None  # a malformed date is shown as none rather than failing the page


def long_date(value: date | str | None, lang: str = "pl") -> str:
    """`1 grudnia 2026` (or `1 December 2026`); empty for no date."""
    day = as_date(value)
    if day is None:
        return ""
    return format_date(day, "en" if lang == "en" else "pl")


def local_time(value: datetime | str | None, lang: str = "pl") -> str:
    """An instant as the date and hour in Warsaw: `1 grudnia 2026, 14:05`."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(WARSAW)
    return f"{long_date(local.date(), lang)}, {local:%H:%M}"


def plural_pl(n: int, one: str, few: str, many: str) -> str:
    """The Polish noun form for a count: 1 działanie, 2 działania, 5 działań, 22 działania."""
    n = abs(n)
    if n == 1:
        return one
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return few
    return many


def days_word(n: int, lang: str) -> str:
    return text("days.one" if abs(n) == 1 else "days.many", lang)


@dataclass(frozen=True)
class Deadline:
    """A deadline as shown to a person: its date, the words, and whether it is overdue (shown
    by text and icon, never by colour alone)."""

    on: date
    days_left: int
    words: str
    overdue: bool
    soon: bool


def deadline(value: date | str | None, today: date, lang: str = "pl") -> Deadline | None:
    day = as_date(value)
    if day is None:
        return None
    left = (day - today).days
    if left == 0:
        words = text("deadline.today", lang)
    elif left > 0:
        words = text("deadline.in", lang).format(n=left, days=days_word(left, lang))
    else:
        words = text("deadline.overdue", lang).format(n=-left, days=days_word(-left, lang))
    return Deadline(on=day, days_left=left, words=words, overdue=left < 0, soon=0 <= left <= 7)


def today_in_warsaw() -> date:
    return datetime.now(WARSAW).date()
