"""Events → the PII-free outcome row of their conversation (and call-back tasks). Pure functions.

Events of one conversation come from several processes (gateway, action server), so ``apply`` is
order-independent: times take min/max, counters add, and derived figures (wait, handle time) are
recomputed from whatever is known after each event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from analytics.events import parse_at
from common.pii import mask

Row = dict[str, Any]
UNKNOWN = "unknown"
ABANDONED_OUTCOME = "abandoned"


def naive_utc(at: str) -> datetime:
    return parse_at(at).replace(tzinfo=None)


def local_day(at: datetime, tz: ZoneInfo) -> str:
    return at.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz).date().isoformat()


def new_row(cid: str, at: datetime, tz: ZoneInfo) -> Row:
    return {
        "conversation_id": cid, "started_at": at, "ended_at": None, "local_day": local_day(at, tz),
        "channel": UNKNOWN, "branch": UNKNOWN, "service": UNKNOWN, "page": "", "language": UNKNOWN,
        "style": UNKNOWN, "decisions": 0, "questions": 0, "answered": 0, "clarified": 0, "not_found": 0,
        "unanswered": 0, "faq_ids": "", "categories": "", "category": UNKNOWN, "thumbs_up": 0, "thumbs_down": 0,
        "handoff_reason": None, "topic": None, "queued_at": None, "claimed_at": None, "handoff_ended_at": None,
        "wait_s": None, "handle_s": None, "agent": None, "outcome": None, "abandoned_how": None,
        "left_message": False, "csat_score": None, "csat_target": None, "csat_comment": None, "ended_how": None,
    }


def _text(value: Any, limit: int) -> str:
    return str(value or "").strip()[:limit]


def _started(row: Row, e: dict[str, Any], at: datetime) -> None:
    for name, limit in (("channel", 40), ("branch", 120), ("service", 120), ("language", 10)):
        row[name] = _text(e.get(name), limit) or UNKNOWN
    row["page"] = _text(e.get("page"), 300)


def _add_list(row: Row, name: str, values: list[Any]) -> None:
    have = [v for v in row[name].split(",") if v]
    for v in values:
        v = _text(v, 120).replace(",", " ")
        if v and v not in have:
            have.append(v)
    row[name] = ",".join(have)[:4000]


def _decision(row: Row, e: dict[str, Any], at: datetime) -> None:
    decision = e.get("decision")
    row["decisions"] += 1
    if decision != "chitchat":
        row["questions"] += 1
    row["answered"] += decision == "answer"
    row["clarified"] += decision == "clarify"
    row["not_found"] += decision == "out_of_scope"
    _add_list(row, "faq_ids", list(e.get("faq_ids") or []))
    categories = list(e.get("categories") or [])
    _add_list(row, "categories", categories)
    if row["category"] == UNKNOWN and categories and decision != "chitchat":
        row["category"] = _text(categories[0], 120) or UNKNOWN
    if row["style"] == UNKNOWN and decision != "chitchat" and e.get("style"):
        row["style"] = _text(e["style"], 20)
    if row["language"] == UNKNOWN and e.get("language"):
        row["language"] = _text(e["language"], 10)


def _thumb(row: Row, e: dict[str, Any], at: datetime) -> None:
    row["thumbs_up" if e.get("value") == "up" else "thumbs_down"] += 1


def _requested(row: Row, e: dict[str, Any], at: datetime) -> None:
    if row["queued_at"] is None or at < row["queued_at"]:
        row["queued_at"] = at
        row["handoff_reason"] = _text(e.get("reason"), 40) or UNKNOWN
        row["topic"] = _text(e.get("topic"), 120) or None


def _claimed(row: Row, e: dict[str, Any], at: datetime) -> None:
    if row["claimed_at"] is None or at < row["claimed_at"]:
        row["claimed_at"] = at
        row["agent"] = _text(e.get("agent"), 120) or UNKNOWN
        if isinstance(e.get("wait_s"), int | float):  # measured by the gateway from its own queue entry
            row["wait_s"] = round(float(e["wait_s"]), 3)


def _abandoned(row: Row, e: dict[str, Any], at: datetime) -> None:
    row["abandoned_how"] = _text(e.get("how"), 20) or UNKNOWN


def _ended_handoff(row: Row, e: dict[str, Any], at: datetime) -> None:
    row["handoff_ended_at"] = max(at, row["handoff_ended_at"] or at)
    row["outcome"] = _text(e.get("outcome"), 40) or UNKNOWN
    if not row["agent"] and e.get("agent"):
        row["agent"] = _text(e["agent"], 120)


def _left(row: Row, e: dict[str, Any], at: datetime) -> None:
    row["left_message"] = True


def _csat(row: Row, e: dict[str, Any], at: datetime) -> None:
    score = e.get("score")
    if isinstance(score, int) and 1 <= score <= 5:
        row["csat_score"] = score
        row["csat_target"] = "agent" if e.get("target") == "agent" else "bot"
        # Masked again here: a producer outside this repository may not use analytics.emitter.
        row["csat_comment"] = mask(_text(e.get("comment"), 1000)) or None


def _ended(row: Row, e: dict[str, Any], at: datetime) -> None:
    row["ended_how"] = _text(e.get("how"), 40) or UNKNOWN


def _unanswered(row: Row, e: dict[str, Any], at: datetime) -> None:
    row["unanswered"] += 1


APPLY: dict[str, Callable[[Row, dict[str, Any], datetime], None]] = {
    "conversation.started": _started, "bot.decision": _decision, "feedback.thumb": _thumb,
    "handoff.requested": _requested, "handoff.claimed": _claimed, "handoff.abandoned": _abandoned,
    "handoff.ended": _ended_handoff, "message.left": _left, "csat.submitted": _csat,
    "conversation.ended": _ended, "unanswered.recorded": _unanswered,
}


def apply(row: Row, event: dict[str, Any], tz: ZoneInfo) -> None:
    """Fold one conversation event into its row."""
    at = naive_utc(event["at"])
    if at < row["started_at"]:
        row["started_at"] = at
        row["local_day"] = local_day(at, tz)
    row["ended_at"] = max(at, row["ended_at"] or at)
    APPLY[event["type"]](row, event, at)
    _derive(row)


def _derive(row: Row) -> None:
    if row["wait_s"] is None and row["claimed_at"] and row["queued_at"]:
        row["wait_s"] = round(max(0.0, (row["claimed_at"] - row["queued_at"]).total_seconds()), 3)
    if row["claimed_at"] and row["handoff_ended_at"]:
        row["handle_s"] = round(max(0.0, (row["handoff_ended_at"] - row["claimed_at"]).total_seconds()), 3)


def callback_row(event: dict[str, Any], tz: ZoneInfo) -> Row:
    at = naive_utc(event["at"])
    try:
        due = naive_utc(str(event.get("due_at")))
    except ValueError:
        due = at + timedelta(hours=24)
    return {"task_id": _text(event.get("task_id"), 64), "conversation_id": event["conversation_id"],
            "trigger": _text(event.get("trigger"), 30) or UNKNOWN, "created_at": at, "local_day": local_day(at, tz),
            "due_at": due, "first_call_at": None, "result": None, "reason": None, "agent": None,
            "has_number": bool(event.get("has_number"))}


def record_call(task: Row, event: dict[str, Any]) -> None:
    at = naive_utc(event["at"])
    if task["first_call_at"] is None or at < task["first_call_at"]:
        task["first_call_at"] = at
    task["result"] = _text(event.get("result"), 20) or UNKNOWN
    task["reason"] = _text(event.get("reason"), 60) or None
    task["agent"] = _text(event.get("agent"), 120) or None
