"""The KPIs of issue #14 item 3 from additive sums, wait/handle times and call-back tasks.

Each definition is written out in docs/kpis.md; a rate is a fraction 0..1, or None when its denominator
is 0 (no data is not 0 %).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

SUMS = ("conversations", "engaged", "self_served", "handoffs", "claimed", "abandoned", "not_found_convs",
        "unanswered", "thumbs_up", "thumbs_down", "csat_agent_n", "csat_agent_good", "csat_bot_n", "csat_bot_good",
        "handle_sum", "handle_n")
KPI_KEYS = ("conversations", "self_service_rate", "handoff_rate", "handoff_answer_rate", "abandonment_rate",
            "wait_p50_s", "wait_p90_s", "wait_max_s", "handle_p50_s", "csat_agent", "csat_bot", "thumbs_up_rate",
            "not_found_rate", "unanswered_count", "callbacks_created", "callback_sla_rate")
# The figures that add up across days and keys: what series and breakdowns show.
SUBSET = ("conversations", "self_service_rate", "handoff_rate", "handoff_answer_rate", "abandonment_rate",
          "csat_agent", "csat_bot", "thumbs_up_rate", "not_found_rate", "unanswered_count")


def ratio(num: float, den: float) -> float | None:
    return None if not den else round(num / den, 4)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least q % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(float(ordered[rank - 1]), 1)


def empty_sums() -> dict[str, float]:
    return dict.fromkeys(SUMS, 0.0)


def add(into: dict[str, float], other: Mapping[str, Any]) -> dict[str, float]:
    for k in SUMS:
        into[k] += float(other.get(k) or 0)
    return into


def subset(s: Mapping[str, float]) -> dict[str, Any]:
    return {
        "conversations": int(s["conversations"]),
        "self_service_rate": ratio(s["self_served"], s["engaged"]),
        "handoff_rate": ratio(s["handoffs"], s["engaged"]),
        "handoff_answer_rate": ratio(s["claimed"], s["handoffs"]),
        "abandonment_rate": ratio(s["abandoned"], s["handoffs"]),
        "csat_agent": ratio(s["csat_agent_good"], s["csat_agent_n"]),
        "csat_bot": ratio(s["csat_bot_good"], s["csat_bot_n"]),
        "thumbs_up_rate": ratio(s["thumbs_up"], s["thumbs_up"] + s["thumbs_down"]),
        "not_found_rate": ratio(s["not_found_convs"], s["engaged"]),
        "unanswered_count": int(s["unanswered"]),
    }


def callback_figures(tasks: Sequence[Mapping[str, Any]], now: Any) -> dict[str, Any]:
    """``tasks``: rows of callback_tasks created in the period; ``now``: naive UTC datetime."""
    due = [t for t in tasks if t["first_call_at"] is not None or t["due_at"] <= now]
    within = [t for t in due if t["first_call_at"] is not None and t["first_call_at"] <= t["due_at"]]
    overdue = [t for t in tasks if t["first_call_at"] is None and t["due_at"] <= now]
    by_result: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for t in tasks:
        if t["result"]:
            by_result[t["result"]] = by_result.get(t["result"], 0) + 1
        if t["reason"]:
            by_reason[t["reason"]] = by_reason.get(t["reason"], 0) + 1
    return {"created": len(tasks), "due": len(due), "within_sla": len(within), "overdue_open": len(overdue),
            "sla_rate": ratio(len(within), len(due)), "by_result": by_result, "by_reason": by_reason}


def kpis(s: Mapping[str, float], waits: Sequence[float], handles: Sequence[float],
         callbacks: Mapping[str, Any]) -> dict[str, Any]:
    out = subset(s)
    out.update({
        "wait_p50_s": percentile(waits, 50), "wait_p90_s": percentile(waits, 90),
        "wait_max_s": round(max(waits), 1) if waits else None, "handle_p50_s": percentile(handles, 50),
        "callbacks_created": callbacks["created"], "callback_sla_rate": callbacks["sla_rate"],
    })
    return {k: out[k] for k in KPI_KEYS}
