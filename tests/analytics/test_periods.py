"""Quarter boundaries against dates published in the Umm al-Qura calendar and the Gregorian one."""

from __future__ import annotations

import itertools
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from analytics.periods import PeriodError, date_range, gregorian_quarter, hijri_of, hijri_quarter


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-Q1", date(2026, 1, 1), date(2026, 4, 1)),
    ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
    ("2024Q1", date(2024, 1, 1), date(2024, 4, 1)),
])
def test_gregorian_quarters(text: str, start: date, end: date) -> None:
    p = gregorian_quarter(text)
    assert (p.start, p.end) == (start, end)


# Published Umm al-Qura dates: 1 Shawwal 1446 (Eid al-Fitr) = 30 Mar 2025; 1 Muharram 1447 = 26 Jun 2025;
# 1 Shawwal 1447 = 20 Mar 2026; 1 Muharram 1448 = 16 Jun 2026.
@pytest.mark.parametrize(("text", "start", "end"), [
    ("1446-Q4", date(2025, 3, 30), date(2025, 6, 26)),
    ("1447-Q4", date(2026, 3, 20), date(2026, 6, 16)),
])
def test_hijri_quarters_end_and_start_on_published_dates(text: str, start: date, end: date) -> None:
    p = hijri_quarter(text)
    assert (p.start, p.end) == (start, end)
    assert p.hijri_label == text


def test_consecutive_hijri_quarters_touch() -> None:
    quarters = [hijri_quarter(f"1448-Q{q}") for q in (1, 2, 3, 4)]
    assert quarters[0].start == date(2026, 6, 16)
    for a, b in itertools.pairwise(quarters):
        assert a.end == b.start
    assert quarters[3].end == hijri_quarter("1449-Q1").start
    assert hijri_of(date(2026, 2, 18)) == "1447-09-01"  # 1 Ramadan 1447


def test_previous_period_has_equal_length_and_ends_where_this_starts() -> None:
    p = gregorian_quarter("2026-Q4")
    before = p.previous()
    assert before.end == p.start and before.days == p.days


def test_bounds_are_local_midnights() -> None:
    start, end = gregorian_quarter("2026-Q4").bounds(ZoneInfo("Asia/Riyadh"))
    assert start.isoformat() == "2026-10-01T00:00:00+03:00" and end.isoformat() == "2027-01-01T00:00:00+03:00"


@pytest.mark.parametrize("bad", ["2026-Q5", "Q4-2026", "2026", ""])
def test_bad_quarters_are_refused_with_the_expected_form(bad: str) -> None:
    with pytest.raises(PeriodError, match="YEAR-QN"):
        gregorian_quarter(bad)


def test_date_range_includes_both_days_and_refuses_reversed() -> None:
    assert date_range("2026-11-01", "2026-11-30").days == 30
    with pytest.raises(PeriodError):
        date_range("2026-11-30", "2026-11-01")
    with pytest.raises(PeriodError):
        hijri_quarter("1600-Q1")
