"""Reporting periods: Gregorian and Umm al-Qura (Hijri) quarters, or any range of whole local days.

A Period is half-open [start, end) in local dates of the reporting TIMEZONE. A Hijri quarter is three
Hijri months: Q1 = Muharram–Rabi' al-Awwal, Q2 = Rabi' al-Thani–Jumada al-Akhirah, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hijridate import Gregorian, Hijri

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period that cannot be read: the message names the expected form."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # exclusive
    label: str
    hijri_label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def gregorian_label(self) -> str:
        return f"{self.start.isoformat()} – {(self.end - timedelta(days=1)).isoformat()}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware datetimes: local midnight to local midnight."""
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end, time(), tz)

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        start = self.start - timedelta(days=self.days)
        return make_period(start, self.start, f"before {self.label}")


def hijri_of(d: date) -> str:
    h = Gregorian(d.year, d.month, d.day).to_hijri()
    return f"{h.year:04d}-{h.month:02d}-{h.day:02d}"


def _hijri_span(start: date, end: date) -> str:
    return f"{hijri_of(start)} – {hijri_of(end - timedelta(days=1))}"


def make_period(start: date, end: date, label: str | None = None, hijri_label: str | None = None) -> Period:
    if end <= start:
        raise PeriodError(f"the period must end after it starts ({start} → {end})")
    return Period(start, end, label or f"{start.isoformat()}..{(end - timedelta(days=1)).isoformat()}",
                  hijri_label or _hijri_span(start, end))


def _parse_quarter(text: str) -> tuple[int, int]:
    m = _QUARTER.match(text.strip())
    if not m:
        raise PeriodError(f"{text!r} is not a quarter: write YEAR-QN, e.g. 2026-Q4 or 1448-Q2")
    return int(m.group(1)), int(m.group(2))


def gregorian_quarter(text: str) -> Period:
    year, q = _parse_quarter(text)
    start = date(year, 3 * q - 2, 1)
    end = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return make_period(start, end, f"{year}-Q{q}")


def hijri_quarter(text: str) -> Period:
    year, q = _parse_quarter(text)
    try:
        start = Hijri(year, 3 * q - 2, 1).to_gregorian()
        end = (Hijri(year + 1, 1, 1) if q == 4 else Hijri(year, 3 * q + 1, 1)).to_gregorian()
    except OverflowError:
        raise PeriodError(f"{text!r} is outside the Umm al-Qura calendar's range (1343–1500 AH)") from None
    s, e = date(start.year, start.month, start.day), date(end.year, end.month, end.day)
    return make_period(s, e, f"{s.isoformat()}..{(e - timedelta(days=1)).isoformat()}", f"{year}-Q{q}")


def date_range(first: str, last: str) -> Period:
    """``--from`` and ``--to`` dates, both included."""
    try:
        start, stop = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise PeriodError(f"dates must be YYYY-MM-DD (got {first!r}, {last!r})") from None
    return make_period(start, stop + timedelta(days=1))
