"""Analytics benchmark: prints one JSON object.

    .venv/bin/python bench/analytics_bench.py [--events 20000] [--conversations 1000000] [--stores sqlite,postgresql]

Ingest: ``--events`` events (5 per conversation) are put on a Redis stream, then the real consumer
(analytics.consumer.Consumer: read, check, store each id once, ack, roll-up on idle) empties it; events/s
is events ÷ wall time from the first read to the last roll-up. Report: ``--conversations`` synthetic
outcome rows spread over 2026-Q4 are bulk-loaded (then analytics.rollup.rebuild, as for any direct insert)
and ``build_report`` for the quarter is timed (best of 3, and a filtered one that reads the rows).
SQLite is a file under a temporary folder; PostgreSQL is a database created for the run at
``--pg`` (default 127.0.0.1:5432, trust auth) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import keys, rollup  # noqa: E402
from analytics.consumer import Consumer  # noqa: E402
from analytics.emitter import encode  # noqa: E402
from analytics.events import envelope  # noqa: E402
from analytics.migrate import upgrade  # noqa: E402
from analytics.outcome import local_day, new_row  # noqa: E402
from analytics.periods import gregorian_quarter  # noqa: E402
from analytics.report import build_report  # noqa: E402
from analytics.scratchdb import create_scratch_database, drop_database  # noqa: E402
from analytics.settings import AnalyticsSettings  # noqa: E402
from analytics.store import conversations, make_engine  # noqa: E402
from scripts.redis_prefix import delete_prefix  # noqa: E402

TZ = ZoneInfo("Asia/Riyadh")
START = datetime(2026, 10, 1) - timedelta(hours=3)  # local midnight in UTC
BRANCHES = ["الرياض", "جدة", "الدمام", "مكة", "المدينة", "أبها", "تبوك", "حائل"]
SERVICES = ["permits", "passports", "retirement", "vehicles", "civil", "unknown"]
REASONS = ["user_request", "low_confidence", "negative_feedback", "repeated_miss"]


def _events(n_conv: int) -> list[dict[str, str]]:
    out = []
    for i in range(n_conv):
        cid, at = f"c_b{i:07d}", (START + timedelta(seconds=i)).isoformat() + "Z"
        out += [encode(e) for e in (
            envelope("conversation.started", cid, at, channel="web", branch=BRANCHES[i % 8], service="permits",
                     page="/", language="ar"),
            envelope("bot.decision", cid, at, decision="answer", faq_ids=["permits_01"], categories=["permits"],
                     style="gulf", language="ar"),
            envelope("feedback.thumb", cid, at, value="up" if i % 4 else "down", faq_id="permits_01"),
            envelope("handoff.requested", cid, at, reason="user_request", topic=None),
            envelope("handoff.claimed", cid, at, agent=f"agent{i % 20}", wait_s=float(i % 300)))]
    return out


def ingest(url: str, redis_url: str, n_events: int) -> dict[str, Any]:
    prefix = f"bench:analytics-{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(redis_url)
    try:
        pipe = client.pipeline(transaction=False)
        for entry in _events(n_events // 5):
            pipe.xadd(keys.stream(prefix), entry)
        pipe.execute()
        engine = make_engine(url)
        upgrade(engine)
        consumer = Consumer(AnalyticsSettings(redis_prefix=prefix, consumer_name="bench"), engine, client)
        consumer.ensure_group()
        started = time.perf_counter()
        while True:
            entries = consumer.read(False, 200)
            if not entries:
                break
            consumer.handle(entries)
            consumer.housekeeping(idle=False)
        consumer.housekeeping(idle=True)
        elapsed = time.perf_counter() - started
        engine.dispose()
        return {"events": consumer.counted, "seconds": round(elapsed, 2),
                "events_per_s": round(consumer.counted / elapsed)}
    finally:
        client.close()
        delete_prefix(redis_url, prefix)


def _row(i: int, rng: random.Random) -> dict[str, Any]:
    at = START + timedelta(seconds=rng.randrange(92 * 86400))
    row = new_row(f"c_r{i:08d}", at, TZ)
    row.update(branch=rng.choice(BRANCHES), service=rng.choice(SERVICES), channel="web",
               language="ar" if rng.random() < 0.85 else "en", style=rng.choice(["msa", "gulf", "english", "arabizi"]),
               category=rng.choice(SERVICES), decisions=2, questions=1, ended_at=at + timedelta(minutes=3))
    if rng.random() < 0.7:
        row.update(answered=1, thumbs_up=int(rng.random() < 0.6), faq_ids="permits_01")
    else:
        row.update(not_found=1, unanswered=1)
    if rng.random() < 0.25:
        wait = rng.expovariate(1 / 90)
        row.update(handoff_reason=rng.choice(REASONS), queued_at=at)
        if rng.random() < 0.85:
            handle = rng.expovariate(1 / 400)
            row.update(claimed_at=at + timedelta(seconds=wait), wait_s=round(wait, 3),
                       agent=f"agent{rng.randrange(40)}",
                       handoff_ended_at=at + timedelta(seconds=wait + handle), handle_s=round(handle, 3),
                       outcome="resolved", csat_score=rng.randint(1, 5), csat_target="agent")
        else:
            row.update(abandoned_how=rng.choice(["cancelled", "left"]))
    row["local_day"] = local_day(row["started_at"], TZ)
    return row


def load(url: str, n: int) -> float:
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(14)
    started = time.perf_counter()
    cols = [c.name for c in conversations.columns]
    for lo in range(0, n, 50_000):
        rows = [_row(i, rng) for i in range(lo, min(n, lo + 50_000))]
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cur, cur.copy(f"COPY conversations ({', '.join(cols)}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row([r[c] for c in cols])
                raw.commit()
            finally:
                raw.close()
        else:
            with engine.begin() as conn:
                conn.execute(insert(conversations), rows)
    with engine.begin() as conn:
        rollup.rebuild(conn)  # rows inserted directly: the roll-up must be rebuilt
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return round(time.perf_counter() - started, 1)


def report(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    period = gregorian_quarter("2026-Q4")
    times, data = [], {}
    for _ in range(3):
        t = time.perf_counter()
        data = build_report(engine, period, {}, "Asia/Riyadh", datetime(2027, 1, 5))
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    build_report(engine, period, {"branch": "الرياض"}, "Asia/Riyadh", datetime(2027, 1, 5))
    filtered = time.perf_counter() - t
    engine.dispose()
    return {"report_s_best_of_3": round(min(times), 3), "report_s_worst": round(max(times), 3),
            "filtered_report_s": round(filtered, 3), "conversations_in_report": data["kpis"]["conversations"]}


def _pg_database(admin_url: str) -> tuple[str, str]:
    return create_scratch_database(admin_url, "analytics_bench")


_drop = drop_database


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=20_000)
    ap.add_argument("--conversations", type=int, default=1_000_000)
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    out: dict[str, Any] = {"events": args.events, "conversations": args.conversations}
    with tempfile.TemporaryDirectory() as tmp:
        for store in args.stores.split(","):
            pg_name = None
            if store == "postgresql":
                pg_name, url_i = _pg_database(args.pg)
                _, url_r = pg_name, url_i
            else:
                url_i, url_r = f"sqlite:///{tmp}/ingest.sqlite3", f"sqlite:///{tmp}/report.sqlite3"
            try:
                result = {"ingest": ingest(url_i, args.redis, args.events)}
                if store == "postgresql":  # a clean database for the report
                    _drop(args.pg, pg_name)
                    pg_name, url_r = _pg_database(args.pg)
                result["load_s"] = load(url_r, args.conversations)
                result.update(report(url_r))
                out[store] = result
            finally:
                if pg_name:
                    _drop(args.pg, pg_name)
    out["ok"] = all(out[s]["ingest"]["events_per_s"] >= 2000 and out[s]["report_s_best_of_3"] <= 2.0
                    for s in args.stores.split(","))
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
