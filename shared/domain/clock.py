"""Time as a port, so deadline rules can be tested without waiting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self) -> date:
        """Today's date in Poland: the date a user means by 'today'."""
        ...


def poland_today() -> date:
    """Today's date in Poland now: what a user means by 'today', whatever the machine's time
    zone (between 23:00 and midnight UTC in winter, it is already tomorrow in Warsaw)."""
    return datetime.now(WARSAW).date()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return poland_today()


class FixedClock:
    """A clock that stands still until moved; for tests."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.astimezone(WARSAW).date()


class ShiftedClock:
    """The system clock moved by whole days: lets a test or training installation see what
    happens when deadlines pass. Refused in production (see clock_for)."""

    def __init__(self, days: int) -> None:
        self._shift = timedelta(days=days)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._shift

    def today(self) -> date:
        return (datetime.now(WARSAW) + self._shift).date()


def clock_for(*, shift_days: int, environment: str) -> Clock:
    if shift_days == 0:
        return SystemClock()
    if environment == "production":
        raise ValueError("ASYSTA_CLOCK_SHIFT_DAYS is for tests and training, not production")
    return ShiftedClock(shift_days)


def as_utc(moment: datetime) -> datetime:
    """A stored instant, aware: SQLite keeps no zone, and we only ever store UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
