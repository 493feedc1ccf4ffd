"""What the dashboard asks for: parsing its query string, and where the figures come from.

``ReportQuery`` is the parsed request (period + filters); ``ReportSource`` answers it. The gateway's
source reads the analytics store (``analytics.report.build_report``) in a worker thread; with
``ANALYTICS_DEMO=true`` it reads the separate demo database instead and every report says ``demo: true``.
Real and demo data are never read from the same database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from handoff.errors import HandoffError

FILTERS = ("branch", "service", "language", "agent", "channel")
MAX_DAYS = 800
_QUARTER_RE = re.compile(r"^\d{4}-Q[1-4]$")
_VALUE_RE = re.compile(r"^[^\x00-\x1f<>]{1,64}$")


class QueryError(HandoffError):
    code = "invalid_query"


class AnalyticsUnavailable(HandoffError):
    """The analytics store or report cannot answer (not installed, not migrated, down): a 503."""

    code = "analytics_unavailable"


@dataclass(frozen=True)
class ReportQuery:
    start: datetime           # inclusive, in the reporting time zone
    end: datetime             # exclusive
    filters: dict[str, str | None] = field(default_factory=dict)
    quarter: str | None = None         # "2026-Q4": the period is that Gregorian quarter
    hijri_quarter: str | None = None   # "1448-Q2": that Umm al-Qura quarter


class ReportSource(Protocol):
    demo: bool

    async def report(self, query: ReportQuery) -> dict[str, Any]: ...

    async def open_callbacks(self, agent: str | None) -> list[dict[str, Any]]: ...


def _day(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise QueryError(f"{name}={raw!r} must be a date YYYY-MM-DD") from None


def parse_query(query: dict[str, str], tz: str, today: date) -> ReportQuery:
    """The period (from/to dates, both inclusive, or quarter / hijri_quarter; default: the last 30 days)
    and the filters (empty = all). Raises QueryError naming the bad parameter."""
    zone = ZoneInfo(tz)
    filters: dict[str, str | None] = {}
    for name in FILTERS:
        value = (query.get(name) or "").strip()
        if value and not _VALUE_RE.fullmatch(value):
            raise QueryError(f"{name} must be 1-64 printable characters")
        filters[name] = value or None
    quarter, hijri_quarter = query.get("quarter") or None, query.get("hijri_quarter") or None
    for name, wanted in (("quarter", quarter), ("hijri_quarter", hijri_quarter)):
        if wanted and not _QUARTER_RE.fullmatch(wanted):
            raise QueryError(f"{name}={wanted!r} must look like 2026-Q4 (Hijri: 1448-Q2)")
    last = _day("to", query["to"]) if query.get("to") else today
    first = _day("from", query["from"]) if query.get("from") else last - timedelta(days=29)
    if first > last:
        raise QueryError("from must not be after to")
    if (last - first).days >= MAX_DAYS:
        raise QueryError(f"the period must be shorter than {MAX_DAYS} days")
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    return ReportQuery(start, end, filters, quarter, hijri_quarter)


def as_agent(query: ReportQuery, username: str) -> ReportQuery:
    """An agent's query: whatever was asked, only that agent's own figures."""
    return ReportQuery(query.start, query.end, {**query.filters, "agent": username}, query.quarter,
                       query.hijri_quarter)


def own_figures(report: dict[str, Any], username: str) -> dict[str, Any]:
    """Strip what an agent must not see from a report already filtered to them: other agents' rows."""
    out = dict(report)
    breakdowns = dict(out.get("breakdowns") or {})
    breakdowns["agent"] = [row for row in breakdowns.get("agent", []) if row.get("key") == username]
    out["breakdowns"] = breakdowns
    return out


def recent_quarters(today: date, count: int = 4) -> list[dict[str, str]]:
    """The current and previous quarters in both calendars, for the page's quarter picker: what
    ``python -m analytics report --quarter / --hijri-quarter`` would report."""
    from hijridate import Gregorian

    from analytics import periods

    out = []
    h = Gregorian(today.year, today.month, today.day).to_hijri()
    for kind, year, q, make in (("gregorian", today.year, (today.month - 1) // 3 + 1, periods.gregorian_quarter),
                                ("hijri", h.year, (h.month - 1) // 3 + 1, periods.hijri_quarter)):
        for _ in range(count):
            p = make(f"{year}-Q{q}")
            out.append({"kind": kind, "id": f"{year}-Q{q}", "from": p.start.isoformat(),
                        "to": (p.end - timedelta(days=1)).isoformat()})
            year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return out
