"""The rows every report format shows, built once from the report dict (analytics.report.build_report).

The XLSX writes the raw values of these rows (rates as fractions with a percent format), the PDF writes
their formatted text: both show exactly the JSON's figures. Formatting is Arabic-first, digits are Western
(as the Saudi government's published reports print them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from analytics.labels import label, text

HEADLINE = ("conversations", "self_service_rate", "handoff_rate", "handoff_answer_rate", "abandonment_rate",
            "wait_p50_s", "wait_p90_s", "handle_p50_s", "csat_agent", "csat_bot", "thumbs_up_rate",
            "not_found_rate", "unanswered_count", "callbacks_created", "callback_sla_rate")
LRI, PDI = "\u2066", "\u2069"
# Which way is better, for colouring the change against the previous period (None: neither).
HIGHER_IS_BETTER = {
    "self_service_rate": True, "handoff_answer_rate": True, "csat_agent": True, "csat_bot": True,
    "thumbs_up_rate": True, "callback_sla_rate": True, "handoff_rate": False, "abandonment_rate": False,
    "wait_p50_s": False, "wait_p90_s": False, "wait_max_s": False, "handle_p50_s": None,
    "not_found_rate": False, "unanswered_count": False, "conversations": None, "callbacks_created": None,
}
# The per-branch figures the report's breakdowns carry (analytics.kpis.SUBSET).
BRANCH_COLUMNS = ("conversations", "self_service_rate", "handoff_rate", "handoff_answer_rate", "abandonment_rate",
                  "csat_agent", "csat_bot")


def kind(key: str) -> str:
    """rate | seconds | count: how a KPI is stored and shown."""
    if key.endswith("_rate") or key.startswith("csat_"):
        return "rate"
    return "seconds" if key.endswith("_s") else "count"


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    k = kind(key)
    if k == "rate":
        return f"{value * 100:.1f}٪"
    if k == "seconds":
        return fmt_duration(float(value))
    return f"{int(value):,}"


def fmt_duration(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s} {text('seconds')}"
    if s < 3600:
        return f"{s // 60} {text('minutes')} {s % 60} {text('seconds')}"
    return f"{s // 3600} {text('hours')} {s % 3600 // 60} {text('minutes')}"


@dataclass(frozen=True)
class Change:
    text: str
    tone: str  # good | bad | same | none


def change(key: str, now: Any, before: Any) -> Change:
    """The change against the previous period: points for rates, a percentage for counts and times."""
    if now is None or before is None:
        return Change("—", "none")
    diff = now - before
    # The signed number is a left-to-right isolate (LRI … PDI): in Arabic text "+5.7" would otherwise
    # be shown as "5.7+".
    if kind(key) == "rate":
        shown = f"{LRI}{diff * 100:+.1f}{PDI} {text('percent_points')}"
    elif before:
        shown = f"{LRI}{diff / before * 100:+.0f}٪{PDI}"
    else:
        shown = "—"
    better = HIGHER_IS_BETTER.get(key)
    if abs(diff) < 1e-9:
        return Change(shown, "same")
    if better is None:
        return Change(shown, "none")
    return Change(shown, "good" if (diff > 0) == better else "bad")


def headline_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    kpis, prev = report["kpis"], report.get("previous") or {}
    rows = []
    for key in HEADLINE:
        c = change(key, kpis.get(key), prev.get(key))
        rows.append({"key": key, "label": label("kpis", key), "value": kpis.get(key), "previous": prev.get(key),
                     "kind": kind(key), "text": fmt(key, kpis.get(key)), "previous_text": fmt(key, prev.get(key)),
                     "change": c.text, "tone": c.tone})
    return rows


def branch_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item in report["breakdowns"].get("branch", []):
        row = {"key": item["key"], "label": label("branch", item["key"])}  # "unknown" → "غير محدد"
        for col in BRANCH_COLUMNS:
            row[col] = item.get(col)
        rows.append(row)
    return rows


def complaint_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    complaints = report["complaints"]
    total = complaints.get("total") or 0
    return [{"reason": r["reason"], "label": r.get("label") or label("reasons", r["reason"]), "count": r["count"],
             "share": (r["count"] / total) if total else None, "examples": list(r.get("examples") or [])[:3]}
            for r in complaints.get("by_reason", [])]


def callback_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    cb = report["callbacks"]
    rows = [{"key": k, "label": label("callbacks", k), "value": cb.get(k)}
            for k in ("created", "due", "within_sla", "overdue_open")]
    rows.append({"key": "callback_sla_rate", "label": label("kpis", "callback_sla_rate"),
                 "value": report["kpis"].get("callback_sla_rate")})
    return rows


def filters_text(report: dict[str, Any]) -> str:
    parts = [f"{label('filter_names', k)}: {v}" for k, v in (report.get("filters") or {}).items() if v]
    return "، ".join(parts) or text("all")


def period_text(report: dict[str, Any]) -> tuple[str, str]:
    """(Hijri, Gregorian) descriptions of the period: label and dates."""
    p = report["period"]
    greg = p.get("gregorian_label") or p.get("label") or ""
    dates = f"{p['from'][:10]} – {last_day(p['to'])}"
    if greg == dates:  # a date range is its own label
        return (p.get("hijri_label") or "", f"{LRI}{dates}{PDI}")
    return (p.get("hijri_label") or "", f"{greg} ({LRI}{dates}{PDI})")


def last_day(end: str) -> str:
    """The period's last day: ``to`` itself when it is a date (the report's form, inclusive), the day
    before when it is an exclusive midnight datetime."""
    if "T" not in end:
        return end[:10]
    at = datetime.fromisoformat(end)
    if at.time() == time(0):
        at -= timedelta(days=1)
    return at.date().isoformat()
