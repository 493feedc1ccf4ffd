"""A hand-written day of seven conversations as analytics events, and the report figures computed by hand.

Shared by the store tests (events ingested directly) and the consumer tests (events through Redis).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from analytics.events import envelope

T0 = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)  # 10:00 in Riyadh, a Tuesday in 2026-Q4 / 1448-Q2
NOW = T0 + timedelta(hours=48)
WAIT_COMMENT = "انتظرت ساعة ولم يرد أحد 0551234567"
PORTAL_MESSAGE = "الموقع يعطيني خطأ كل ما أحاول أجدد رخصة العمل"


def _at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _started(cid: str, minute: float, branch: str, service: str = "permits") -> dict[str, Any]:
    return envelope("conversation.started", cid, _at(minute), channel="web", branch=branch, service=service,
                    page="/services/permits", language="ar")


def _decision(cid: str, minute: float, decision: str, faq: str | None = None, cat: str = "permits") -> dict[str, Any]:
    return envelope("bot.decision", cid, _at(minute), decision=decision, faq_ids=[faq] if faq else [],
                    categories=[cat] if decision != "chitchat" else [], style="gulf", language="ar")


def events() -> list[dict[str, Any]]:
    e = envelope
    return [
        # c1: answered, 👍 — self-served
        _started("c_1", 0, "الرياض"), _decision("c_1", 1, "answer", "permits_01"),
        e("feedback.thumb", "c_1", _at(2), value="up", faq_id="permits_01"),
        # c2: answered, 👎, handed off, picked after 30 s, resolved after 2 min, CSAT 5
        _started("c_2", 10, "جدة"), _decision("c_2", 11, "answer", "permits_02"),
        e("feedback.thumb", "c_2", _at(12), value="down", faq_id="permits_02"),
        _decision("c_2", 12.5, "handoff"),
        e("handoff.requested", "c_2", _at(13), reason="negative_feedback", topic="permits"),
        e("handoff.claimed", "c_2", _at(13.5), agent="agent_a", wait_s=30.0),
        e("handoff.ended", "c_2", _at(15.5), agent="agent_a", outcome="resolved"),
        e("csat.submitted", "c_2", _at(16), score=5, comment="", target="agent"),
        e("conversation.ended", "c_2", _at(16), how="resolved"),
        # c3: not found twice, handed off, picked after 90 s, 5 min with the agent, CSAT 1 with a comment
        _started("c_3", 20, "الرياض"), _decision("c_3", 21, "out_of_scope"),
        e("unanswered.recorded", "c_3", _at(21)), _decision("c_3", 22, "handoff"),
        e("handoff.requested", "c_3", _at(22), reason="repeated_miss", topic=None),
        e("handoff.claimed", "c_3", _at(23.5), agent="agent_b", wait_s=90.0),
        e("handoff.ended", "c_3", _at(28.5), agent="agent_b", outcome="resolved"),
        e("csat.submitted", "c_3", _at(29), score=1, comment=WAIT_COMMENT, target="agent"),
        e("followup.created", "c_3", _at(29), task_id="t_1", trigger="csat_low", due_at=_at(29 + 24 * 60),
          has_number=True),
        e("followup.call_recorded", "c_3", _at(29 + 120), task_id="t_1", result="reached", reason="long_wait",
          agent="agent_b"),
        # c4: asks for a person, cancels while queued
        _started("c_4", 30, "الرياض"),
        e("handoff.requested", "c_4", _at(31), reason="user_request", topic=None),
        e("handoff.abandoned", "c_4", _at(32), how="cancelled"),
        # c5: greeting only — not engaged
        _started("c_5", 40, "جدة"), _decision("c_5", 40.1, "chitchat"),
        # c6: clarified then answered; CSAT 2 for the bot; a follow-up nobody called
        _started("c_6", 50, "الرياض", "passports"), _decision("c_6", 51, "clarify", cat="passports"),
        _decision("c_6", 52, "answer", "passports_03", "passports"),
        e("csat.submitted", "c_6", _at(53), score=2, comment="", target="bot"),
        e("followup.created", "c_6", _at(53), task_id="t_2", trigger="csat_low", due_at=_at(53 + 24 * 60),
          has_number=False),
        # c7: asks for a person out of hours, leaves a message
        _started("c_7", 60, "الرياض"),
        e("handoff.requested", "c_7", _at(61), reason="user_request", topic=None),
        e("handoff.abandoned", "c_7", _at(61), how="out_of_hours"),
        e("message.left", "c_7", _at(62), text=PORTAL_MESSAGE),
    ]


EXPECTED_KPIS = {
    "conversations": 7, "self_service_rate": round(2 / 6, 4), "handoff_rate": round(4 / 6, 4),
    "handoff_answer_rate": 0.5, "abandonment_rate": 0.5, "wait_p50_s": 30.0, "wait_p90_s": 90.0,
    "wait_max_s": 90.0, "handle_p50_s": 120.0, "csat_agent": 0.5, "csat_bot": 0.0, "thumbs_up_rate": 0.5,
    "not_found_rate": round(1 / 6, 4), "unanswered_count": 1, "callbacks_created": 2, "callback_sla_rate": 0.5,
}
EXPECTED_BY_REASON = {"negative_feedback": 1, "repeated_miss": 1, "user_request": 2}
