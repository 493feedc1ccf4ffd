"""The store on SQLite and PostgreSQL: outcome rows, exactly-once ingestion, roll-up, the report's KPIs."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from scenario import EXPECTED_BY_REASON, EXPECTED_KPIS, NOW, PORTAL_MESSAGE, events
from sqlalchemy import Engine, func, select

from analytics import rollup
from analytics.consumer import Consumer, purge
from analytics.ingest import ingest
from analytics.periods import gregorian_quarter, hijri_quarter
from analytics.report import build_report
from analytics.settings import AnalyticsSettings
from analytics.store import complaint_texts, conversations, events_seen

TZ = ZoneInfo("Asia/Riyadh")


def _load(store: Engine) -> list[dict]:
    evs = events()
    with store.begin() as conn:
        new, days = ingest(conn, evs, TZ)
        rollup.rebuild(conn, days)
    assert new == len(evs) and days == {"2026-11-10"}
    return evs


def test_one_pii_free_outcome_row_per_conversation(store: Engine) -> None:
    _load(store)
    with store.connect() as conn:
        rows = {r.conversation_id: r for r in conn.execute(select(conversations))}
    assert sorted(rows) == [f"c_{i}" for i in range(1, 8)]
    c3 = rows["c_3"]
    assert (c3.branch, c3.service, c3.channel, c3.language, c3.style) == ("الرياض", "permits", "web", "ar", "gulf")
    assert (c3.wait_s, c3.handle_s, c3.agent, c3.outcome, c3.csat_score) == (90.0, 300.0, "agent_b", "resolved", 1)
    assert c3.unanswered == 1 and c3.not_found == 1 and c3.local_day == "2026-11-10"
    assert "0551234567" not in c3.csat_comment  # masked by the producer's emitter in production; stored masked
    assert rows["c_7"].abandoned_how == "out_of_hours" and rows["c_7"].left_message
    assert rows["c_6"].faq_ids == "passports_03" and rows["c_6"].category == "passports"


def test_the_same_events_twice_are_counted_once(store: Engine) -> None:
    evs = _load(store)
    with store.begin() as conn:
        again, _ = ingest(conn, evs + evs[:5], TZ)
    assert again == 0
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events_seen)).scalar_one() == len(events())


def test_report_kpis_equal_the_hand_computed_figures(store: Engine) -> None:
    _load(store)
    report = build_report(store, gregorian_quarter("2026-Q4"), {}, "Asia/Riyadh", NOW)
    assert report["kpis"] == EXPECTED_KPIS
    assert report["handoff_by_reason"] == EXPECTED_BY_REASON
    assert report["previous"]["conversations"] == 0 and report["previous"]["self_service_rate"] is None
    assert report["callbacks"] == {"created": 2, "due": 2, "within_sla": 1, "overdue_open": 1,
                                   "by_result": {"reached": 1}, "by_reason": {"long_wait": 1}}
    branches = {b["key"]: b for b in report["breakdowns"]["branch"]}
    assert branches["الرياض"]["conversations"] == 5 and branches["جدة"]["conversations"] == 2
    assert {a["key"] for a in report["breakdowns"]["agent"]} == {"agent_a", "agent_b"}
    day = next(d for d in report["series"]["day"] if d["date"] == "2026-11-10")
    assert day["conversations"] == 7 and day["hijri"] == "1448-05-30"
    assert sum(d["conversations"] for d in report["series"]["month"]) == 7
    json.dumps(report)  # serialisable as is


def test_a_filtered_report_reads_the_rows_and_agrees_with_the_roll_up(store: Engine) -> None:
    _load(store)
    period = gregorian_quarter("2026-Q4")
    riyadh = build_report(store, period, {"branch": "الرياض"}, "Asia/Riyadh", NOW)
    assert riyadh["kpis"]["conversations"] == 5
    assert riyadh["kpis"]["handoff_rate"] == 0.6  # c3, c4, c7 of the five engaged c1, c3, c4, c6, c7
    assert riyadh["kpis"]["callbacks_created"] == 2
    unfiltered = build_report(store, period, {}, "Asia/Riyadh", NOW)
    # the row path (any filter) and the roll-up path give the same figures for the same rows
    for key in ("conversations", "self_service_rate", "handoff_rate", "csat_agent"):
        everything = build_report(store, period, {"channel": "web"}, "Asia/Riyadh", NOW)
        assert everything["kpis"][key] == unfiltered["kpis"][key]
    assert build_report(store, hijri_quarter("1448-Q2"), {}, "Asia/Riyadh", NOW)["kpis"]["conversations"] == 7
    assert build_report(store, hijri_quarter("1448-Q3"), {}, "Asia/Riyadh", NOW)["kpis"]["conversations"] == 0


def test_complaints_are_classified_and_grouped_with_masked_examples(store: Engine) -> None:
    _load(store)
    Consumer(AnalyticsSettings(), store, client=None).classify_texts()  # the committed model, real encoder
    report = build_report(store, gregorian_quarter("2026-Q4"), {}, "Asia/Riyadh", NOW)
    complaints = report["complaints"]
    assert complaints["total"] == 2
    reasons = {r["reason"]: r for r in complaints["by_reason"]}
    assert set(reasons) == {"long_wait", "system_error"}
    assert reasons["long_wait"]["label"] == "طول الانتظار"
    assert reasons["system_error"]["examples"] == [PORTAL_MESSAGE]
    assert all("0551234567" not in x for r in complaints["by_reason"] for x in r["examples"])
    assert {"service": "permits", "count": 1} in complaints["by_service"]
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(complaint_texts)
                            .where(complaint_texts.c.classified.is_(False))).scalar_one() == 0


def test_retention_removes_old_records_and_their_roll_up(store: Engine) -> None:
    _load(store)
    from datetime import timedelta

    assert purge(store, 730, NOW) == 0
    assert purge(store, 1, NOW + timedelta(days=3)) == 7
    report = build_report(store, gregorian_quarter("2026-Q4"), {}, "Asia/Riyadh", NOW)
    assert report["kpis"]["conversations"] == 0
