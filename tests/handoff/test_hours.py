"""Business hours in the centre's time zone, including rules that run past midnight."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.hours import BusinessHours

RIYADH = ZoneInfo("Asia/Riyadh")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-11-22 is a Sunday; Riyadh is UTC+3."""
    return datetime(2026, 11, 22 + day, hour, minute, tzinfo=RIYADH).astimezone(UTC)


def test_weekday_rule() -> None:
    hours = BusinessHours.parse("sun-thu 08:00-16:00", RIYADH)
    assert hours.is_open(at(0, 8))
    assert not hours.is_open(at(0, 16))
    assert not hours.is_open(at(5, 10))  # Friday
    assert hours.next_open(at(4, 17)) == at(7, 8)  # Thursday evening -> Sunday 08:00
    assert hours.next_open(at(0, 9)) is None


def test_overnight_rule_and_always() -> None:
    hours = BusinessHours.parse("thu 20:00-02:00", RIYADH)
    assert hours.is_open(at(4, 23)) and hours.is_open(at(5, 1))
    assert not hours.is_open(at(5, 3))
    assert BusinessHours.parse("always", RIYADH).is_open(at(5, 3))


@pytest.mark.parametrize("spec", ["", "sun 8-16", "xyz 08:00-10:00", "sun-thu 08:00"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        BusinessHours.parse(spec, RIYADH)
