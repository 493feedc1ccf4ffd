"""A report dict in the shape of analytics.report.build_report (the analytics contract), written by hand
for the renderer and route tests: figures chosen so every format has something to show."""

from __future__ import annotations

import copy
from typing import Any

KPIS = {
    "conversations": 1240, "self_service_rate": 0.712, "handoff_rate": 0.214, "handoff_answer_rate": 0.893,
    "abandonment_rate": 0.081, "wait_p50_s": 95.0, "wait_p90_s": 410.0, "wait_max_s": 1900.0,
    "handle_p50_s": 380.0, "csat_agent": 0.846, "csat_bot": 0.778, "thumbs_up_rate": 0.81,
    "not_found_rate": 0.064, "unanswered_count": 57, "callbacks_created": 31, "callback_sla_rate": 0.903,
}
PREVIOUS = {
    "conversations": 1010, "self_service_rate": 0.655, "handoff_rate": 0.251, "handoff_answer_rate": 0.81,
    "abandonment_rate": 0.12, "wait_p50_s": 160.0, "wait_p90_s": 700.0, "wait_max_s": 2500.0,
    "handle_p50_s": 400.0, "csat_agent": 0.80, "csat_bot": 0.74, "thumbs_up_rate": 0.77,
    "not_found_rate": 0.08, "unanswered_count": 71, "callbacks_created": 25, "callback_sla_rate": 0.8,
}


def _day(i: int) -> dict[str, Any]:
    return {"date": f"2026-10-{i:02d}", "hijri": f"1448-04-{i + 8:02d}", "conversations": 30 + i,
            "self_service_rate": 0.6 + i / 100, "handoff_rate": 0.2, "csat_agent": 0.8}


def sample_report(**overrides: Any) -> dict[str, Any]:
    report = {
        "period": {"from": "2026-10-01", "to": "2026-12-31", "label": "2026-Q4",
                   "hijri_label": "الربع الثاني 1448", "gregorian_label": "الربع الرابع 2026", "tz": "Asia/Riyadh"},
        "generated_at": "2027-01-02T08:00:00+03:00", "demo": False,
        "filters": {"branch": None, "service": None, "language": None, "agent": None, "channel": None},
        "kpis": dict(KPIS), "previous": dict(PREVIOUS),
        "handoff_by_reason": {"low_confidence": 140, "user_request": 96, "out_of_scope": 29},
        "series": {"day": [_day(i) for i in range(1, 11)], "week": [], "month": []},
        "breakdowns": {
            "branch": [
                {"key": "الرياض - العليا", "conversations": 700, "self_service_rate": 0.73, "handoff_rate": 0.2,
                 "handoff_answer_rate": 0.91, "abandonment_rate": 0.06, "csat_agent": 0.86, "csat_bot": 0.8},
                {"key": "جدة - الروضة", "conversations": 420, "self_service_rate": 0.69, "handoff_rate": 0.23,
                 "handoff_answer_rate": 0.87, "abandonment_rate": 0.1, "csat_agent": 0.82, "csat_bot": 0.75},
                {"key": "unknown", "conversations": 120, "self_service_rate": 0.7, "handoff_rate": 0.22,
                 "handoff_answer_rate": None, "abandonment_rate": None, "csat_agent": None, "csat_bot": 0.7},
            ],
            "service": [{"key": "passports", "conversations": 800}, {"key": "licences", "conversations": 440}],
            "language": [{"key": "ar", "conversations": 1100}, {"key": "en", "conversations": 140}],
            "channel": [{"key": "web", "conversations": 1240}],
            "agent": [{"key": "noura", "conversations": 150, "csat_agent": 0.9},
                      {"key": "khalid", "conversations": 115, "csat_agent": 0.78}],
            "category": [], "style": [],
        },
        "complaints": {
            "total": 48,
            "by_reason": [
                {"reason": "long_wait", "label": "طول الانتظار", "count": 19,
                 "examples": ["انتظرت ساعة كاملة ولم يرد أحد", "الانتظار طويل جدا رقمي [رقم جوال]"]},
                {"reason": "could_not_find_information", "label": "لم أجد المعلومة", "count": 14,
                 "examples": ["ما لقيت رسوم تجديد الجواز"]},
                {"reason": "fees", "label": "الرسوم", "count": 15, "examples": []},
            ],
            "by_service": [{"service": "passports", "count": 30}, {"service": "licences", "count": 18}],
        },
        "callbacks": {"created": 31, "due": 31, "within_sla": 28, "overdue_open": 2,
                      "by_result": {"reached": 12, "resolved": 14, "not_reached": 2}, "by_reason": {"long_wait": 9}},
    }
    out = copy.deepcopy(report)
    out.update(overrides)
    return out
