"""The ``daily_stats`` roll-up: per local day and per breakdown key, the additive sums KPIs divide.

A report over a quarter of a million conversations a day reads a few thousand roll-up rows instead of
every outcome row. The consumer refreshes the days its batches touched; anything else that writes
``conversations`` directly (demo data, imports, retention) must call ``rebuild``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, literal, or_, select

from analytics.store import conversations as c
from analytics.store import daily_stats

DIMENSIONS = ("all", "branch", "service", "language", "channel", "agent", "category", "style", "reason")


def _flag(cond: Any) -> Any:
    return case((cond, 1), else_=0)


def _handoff() -> Any:
    return c.c.handoff_reason.is_not(None)


def sum_columns() -> dict[str, Any]:
    """Name → SQL aggregate over ``conversations``; the same names are the columns of ``daily_stats``."""
    engaged = or_(c.c.questions > 0, _handoff())
    return {
        "conversations": func.count(),
        "engaged": func.sum(_flag(engaged)),
        "self_served": func.sum(_flag(and_(c.c.answered > 0, c.c.handoff_reason.is_(None), c.c.thumbs_down == 0))),
        "handoffs": func.sum(_flag(_handoff())),
        "claimed": func.sum(_flag(c.c.claimed_at.is_not(None))),
        "abandoned": func.sum(_flag(c.c.abandoned_how.is_not(None))),
        "not_found_convs": func.sum(_flag(and_(engaged, c.c.not_found > 0))),
        "unanswered": func.sum(c.c.unanswered),
        "thumbs_up": func.sum(c.c.thumbs_up),
        "thumbs_down": func.sum(c.c.thumbs_down),
        "csat_agent_n": func.sum(_flag(and_(c.c.csat_score.is_not(None), c.c.csat_target == "agent"))),
        "csat_agent_good": func.sum(_flag(and_(c.c.csat_score >= 4, c.c.csat_target == "agent"))),
        "csat_bot_n": func.sum(_flag(and_(c.c.csat_score.is_not(None), c.c.csat_target == "bot"))),
        "csat_bot_good": func.sum(_flag(and_(c.c.csat_score >= 4, c.c.csat_target == "bot"))),
        "handle_sum": func.sum(func.coalesce(c.c.handle_s, 0)),
        "handle_n": func.sum(_flag(c.c.handle_s.is_not(None))),
    }


def key_column(dim: str) -> Any:
    if dim == "all":
        return literal("all")
    if dim == "agent":
        return func.coalesce(c.c.agent, "none")
    if dim == "reason":
        return func.coalesce(c.c.handoff_reason, "none")
    return c.c[dim]


def rebuild(conn: Connection, days: Iterable[str] | None = None) -> None:
    """Recompute the roll-up for ``days`` (local dates 'YYYY-MM-DD'), or for every day when None."""
    day_list = None if days is None else sorted(set(days))
    if day_list == []:
        return
    if day_list is None:
        conn.execute(delete(daily_stats))
    else:
        conn.execute(delete(daily_stats).where(daily_stats.c.day.in_(day_list)))
    sums = sum_columns()
    for dim in DIMENSIONS:
        key = key_column(dim)
        query = select(c.c.local_day, literal(dim), key, *(func.coalesce(v, 0) for v in sums.values()))
        if day_list is not None:
            query = query.where(c.c.local_day.in_(day_list))
        query = query.group_by(c.c.local_day, key)
        conn.execute(insert(daily_stats).from_select(["day", "dim", "key", *sums], query))
