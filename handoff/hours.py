"""Business hours: when agents take handoffs, in the service centre's time zone (Asia/Riyadh by default).

Format of BUSINESS_HOURS: ``always`` or ``;``-separated rules ``<days> <HH:MM>-<HH:MM>``, days as
``sun-thu``, ``sat`` or ``fri,sat``. Example: ``sun-thu 08:00-20:00; sat 10:00-14:00``. A rule whose end
is before its start runs past midnight (``sun-thu 20:00-02:00``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()


@dataclass(frozen=True)
class Rule:
    days: frozenset[int]
    start: time
    end: time


def _parse_days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip().lower()
        if "-" in part:
            first, last = (p.strip() for p in part.split("-", 1))
            if first not in _DAYS or last not in _DAYS:
                raise ValueError(f"unknown day in {part!r} (use sun mon tue wed thu fri sat)")
            i = _DAYS.index(first)
            while True:
                days.add(i)
                if i == _DAYS.index(last):
                    break
                i = (i + 1) % 7
        elif part in _DAYS:
            days.add(_DAYS.index(part))
        else:
            raise ValueError(f"unknown day {part!r} (use sun mon tue wed thu fri sat)")
    return frozenset(days)


def _parse_time(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"bad time {text!r} (use HH:MM)") from None


@dataclass(frozen=True)
class BusinessHours:
    rules: tuple[Rule, ...]
    tz: ZoneInfo
    always: bool = False

    @classmethod
    def parse(cls, spec: str, tz: ZoneInfo) -> BusinessHours:
        if spec.strip().lower() == "always":
            return cls((), tz, always=True)
        rules = []
        for chunk in spec.split(";"):
            if not chunk.strip():
                continue
            try:
                days, span = chunk.strip().rsplit(" ", 1)
                start, end = span.split("-")
            except ValueError:
                raise ValueError(f"rule {chunk.strip()!r} is not '<days> HH:MM-HH:MM'") from None
            rules.append(Rule(_parse_days(days), _parse_time(start), _parse_time(end)))
        if not rules:
            raise ValueError("no rules (use 'always' or e.g. 'sun-thu 08:00-16:00')")
        return cls(tuple(rules), tz)

    def is_open(self, now: datetime | None = None) -> bool:
        if self.always:
            return True
        local = (now or datetime.now(UTC)).astimezone(self.tz)
        for rule in self.rules:
            t = local.time()
            if rule.start <= rule.end:
                if local.weekday() in rule.days and rule.start <= t < rule.end:
                    return True
            else:  # past midnight: the evening part belongs to the rule's day, the morning to the next
                if local.weekday() in rule.days and t >= rule.start:
                    return True
                if (local.weekday() - 1) % 7 in rule.days and t < rule.end:
                    return True
        return False

    def next_open(self, now: datetime | None = None) -> datetime | None:
        """The next opening time (UTC), or None when open now or always open."""
        now = now or datetime.now(UTC)
        if self.always or self.is_open(now):
            return None
        local = now.astimezone(self.tz)
        best: datetime | None = None
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            for rule in self.rules:
                if day.weekday() not in rule.days:
                    continue
                start = datetime.combine(day, rule.start, tzinfo=self.tz)
                if start > local and (best is None or start < best):
                    best = start
        return None if best is None else best.astimezone(UTC)
