"""``build_report``: the one JSON-serialisable report every consumer reads (CLI, dashboard, xlsx, pdf).

Unfiltered sums come from the ``daily_stats`` roll-up; a filtered report aggregates the outcome rows
with the same SQL sums (analytics/rollup.py). Percentiles always read the (covering-indexed) rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import Connection, Engine, func, select

from analytics.kpis import SUMS, add, callback_figures, empty_sums, kpis, subset
from analytics.periods import Period, hijri_of
from analytics.rollup import DIMENSIONS, key_column, sum_columns
from analytics.store import callback_tasks, complaint_texts, conversations, daily_stats

FILTERS = ("branch", "service", "language", "agent", "channel")
BREAKDOWNS = tuple(d for d in DIMENSIONS if d not in ("all", "reason"))
EXAMPLES = 3
LABELS = Path(__file__).parent / "data" / "labels.yaml"


@cache
def reason_labels() -> dict[str, str]:
    return dict(yaml.safe_load(LABELS.read_text(encoding="utf-8"))["complaint_reasons"])


class Scope:
    """One period and filter set: where-clauses for the outcome rows, and the sums behind the KPIs."""

    def __init__(self, conn: Connection, period: Period, filters: dict[str, str | None]) -> None:
        self.conn, self.period = conn, period
        self.filters = {k: v for k, v in filters.items() if v}
        c = conversations.c
        self.where = [c.local_day >= period.start.isoformat(), c.local_day < period.end.isoformat()]
        self.where += [c[k] == v for k, v in self.filters.items()]

    def grouped(self, dim: str, by_day: bool = False) -> dict[str, dict[str, float]]:
        """Sums per key of ``dim`` (per day when ``by_day``)."""
        if self.filters:
            group = conversations.c.local_day if by_day else key_column(dim)
            query = select(group, *sum_columns().values()).where(*self.where).group_by(group)
        else:
            d = daily_stats.c
            group = d.day if by_day else d.key
            query = (select(group, *(func.sum(d[name]) for name in SUMS))
                     .where(d.dim == dim, d.day >= self.period.start.isoformat(), d.day < self.period.end.isoformat())
                     .group_by(group))
        out: dict[str, dict[str, float]] = {}
        for row in self.conn.execute(query):
            out[str(row[0])] = add(empty_sums(), dict(zip(SUMS, row[1:], strict=True)))
        return out

    def total(self) -> dict[str, float]:
        total = empty_sums()
        for sums in self.grouped("all").values():
            add(total, sums)
        return total

    def values(self, column: Any) -> list[float]:
        rows = self.conn.execute(select(column).where(*self.where, column.is_not(None)))
        return [float(v) for v in rows.scalars()]

    def callbacks(self, now: datetime) -> dict[str, Any]:
        t = callback_tasks.c
        query = select(callback_tasks).where(t.local_day >= self.period.start.isoformat(),
                                             t.local_day < self.period.end.isoformat())
        if self.filters:
            query = query.where(t.conversation_id.in_(select(conversations.c.conversation_id).where(*self.where)))
        return callback_figures(list(self.conn.execute(query).mappings()), now)

    def kpis(self, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        callbacks = self.callbacks(now)
        figures = kpis(self.total(), self.values(conversations.c.wait_s), self.values(conversations.c.handle_s),
                       callbacks)
        return figures, callbacks


def _series(days: dict[str, dict[str, float]], period: Period) -> dict[str, list[dict[str, Any]]]:
    buckets: dict[str, dict[str, dict[str, float]]] = {"day": {}, "week": {}, "month": {}}
    d = period.start
    while d < period.end:
        sums = days.get(d.isoformat(), empty_sums())
        week = d - timedelta(days=(d.weekday() + 1) % 7)  # weeks start on Sunday
        starts = (("day", d), ("week", max(week, period.start)), ("month", max(d.replace(day=1), period.start)))
        for name, key in starts:
            add(buckets[name].setdefault(key.isoformat(), empty_sums()), sums)
        d += timedelta(days=1)
    return {name: [{"date": k, "hijri": hijri_of(date.fromisoformat(k)), **subset(v)} for k, v in b.items()]
            for name, b in buckets.items()}


def _breakdowns(scope: Scope) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for dim in BREAKDOWNS:
        rows = [{"key": k, **subset(v)} for k, v in scope.grouped(dim).items()]
        if dim == "agent":  # conversations no agent touched are not an agent's figures
            rows = [r for r in rows if r["key"] != "none"]
        out[dim] = sorted(rows, key=lambda r: (-r["conversations"], r["key"]))
    return out


def _complaints(scope: Scope) -> dict[str, Any]:
    t = complaint_texts.c
    query = (select(t.reason, t.service, t.text, t.at)
             .where(t.local_day >= scope.period.start.isoformat(), t.local_day < scope.period.end.isoformat(),
                    t.is_complaint.is_(True)).order_by(t.at.desc()))
    if scope.filters:
        query = query.where(t.conversation_id.in_(select(conversations.c.conversation_id).where(*scope.where)))
    by_reason: dict[str, dict[str, Any]] = {}
    by_service: dict[str, int] = {}
    total = 0
    labels = reason_labels()
    for reason, service, text, _at in scope.conn.execute(query):
        total += 1
        item = by_reason.setdefault(reason or "other", {"reason": reason or "other",
                                                        "label": labels.get(reason or "other", reason), "count": 0,
                                                        "examples": []})
        item["count"] += 1
        if len(item["examples"]) < EXAMPLES:
            item["examples"].append(text)
        by_service[service or "unknown"] = by_service.get(service or "unknown", 0) + 1
    services = sorted(by_service.items(), key=lambda x: (-x[1], x[0]))
    return {"total": total, "by_reason": sorted(by_reason.values(), key=lambda r: (-r["count"], r["reason"])),
            "by_service": [{"service": s, "count": n} for s, n in services]}


def build_report(bind: Engine | Connection, period: Period, filters: dict[str, str | None] | None = None,
                 tz: str = "Asia/Riyadh", now: datetime | None = None, demo: bool = False) -> dict[str, Any]:
    """The report of ``period`` (local days of ``tz``, the TIMEZONE the consumer wrote with)."""
    unknown = set(filters or {}) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown report filter(s) {sorted(unknown)}: one of {', '.join(FILTERS)}")
    filters = {k: (filters or {}).get(k) or None for k in FILTERS}
    now = now or datetime.now(UTC)
    now_naive = now.astimezone(UTC).replace(tzinfo=None)
    ZoneInfo(tz)
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return build_report(conn, period, filters, tz, now, demo)
    scope, before = Scope(bind, period, filters), Scope(bind, period.previous(), filters)
    figures, callbacks = scope.kpis(now_naive)
    callbacks.pop("sla_rate")
    reasons = scope.grouped("reason")
    return {
        "period": {"from": period.start.isoformat(), "to": (period.end - timedelta(days=1)).isoformat(),
                   "label": period.label, "hijri_label": period.hijri_label,
                   "gregorian_label": period.gregorian_label, "tz": tz},
        "generated_at": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "demo": demo,
        "filters": filters,
        "kpis": figures,
        "previous": before.kpis(now_naive)[0],
        "handoff_by_reason": {k: int(v["handoffs"]) for k, v in sorted(reasons.items()) if k != "none"},
        "series": _series(scope.grouped("all", by_day=True), period),
        "breakdowns": _breakdowns(scope),
        "complaints": _complaints(scope),
        "callbacks": callbacks,
    }
