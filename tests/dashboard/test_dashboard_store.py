"""The dashboard's store-backed source over a demo database filled by ``analytics.demo.fill``, on SQLite
and on PostgreSQL (same seed, same figures); the demo's refusals that keep demo and real data apart."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from analytics import demo
from analytics.events import envelope
from analytics.ingest import ingest
from analytics.migrate import upgrade
from analytics.store import make_engine
from handoff.dashboard_query import AnalyticsUnavailable, parse_query
from handoff.dashboard_store import StoreSource
from handoff.settings import Settings
from tests.analytics.pgdb import PG_ADMIN_URL, drop_pg_database, pg_answers, pg_database

NOW = datetime.now(UTC).replace(microsecond=0)


def _source(url: str, tmp_path: Path) -> StoreSource:
    return StoreSource(Settings(analytics_demo=True, analytics_demo_db_url=url,
                                analytics_db_url=f"sqlite:///{tmp_path}/real.sqlite3"))


def _figures(url: str, tmp_path: Path) -> tuple[dict, list[dict]]:
    demo.fill(url, f"sqlite:///{tmp_path}/real.sqlite3", days=14, now=NOW, seed=3)
    source = _source(url, tmp_path)
    today = NOW.astimezone().date()
    query = parse_query({"from": (today - timedelta(days=13)).isoformat(), "to": today.isoformat()},
                        "Asia/Riyadh", today)
    report = asyncio.run(source.report(query))
    callbacks = asyncio.run(source.open_callbacks(None))
    source._bind().dispose()
    return report, callbacks


def test_demo_figures_equal_on_sqlite_and_postgresql(tmp_path: Path) -> None:
    report, callbacks = _figures(f"sqlite:///{tmp_path}/demo.sqlite3", tmp_path)
    assert report["demo"] is True and report["kpis"]["conversations"] > 300
    assert report["complaints"]["by_reason"], "the demo's comments are classified"
    dues = [c["due_at"] for c in callbacks]
    assert dues == sorted(dues) and all(c["result"] in (None, "not_reached") for c in callbacks)
    if not pg_answers():
        pytest.skip("!!! PostgreSQL does not answer at 127.0.0.1:5432: the PostgreSQL half is SKIPPED !!!")
    name, url = pg_database(PG_ADMIN_URL)
    try:
        pg_report, pg_callbacks = _figures(url, tmp_path)
    finally:
        drop_pg_database(PG_ADMIN_URL, name)
    assert pg_report["kpis"] == report["kpis"] and pg_report["breakdowns"] == report["breakdowns"]
    assert [c["task_id"] for c in pg_callbacks] == [c["task_id"] for c in callbacks]


def test_demo_never_writes_into_real_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    with pytest.raises(demo.DemoError, match="never mixes"):
        demo.fill(url, url, days=2, now=NOW)
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        ingest(conn, [envelope("conversation.started", "c_real0001", channel="widget", branch="unknown",
                               service="unknown", page="/", language="ar")], ZoneInfo("Asia/Riyadh"))
    with pytest.raises(demo.DemoError, match="did not write"):
        demo.fill(url, f"sqlite:///{tmp_path}/other.sqlite3", days=2, now=NOW)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from conversations")).scalar_one() == 1
    engine.dispose()


def test_a_store_that_does_not_answer_is_analytics_unavailable(tmp_path: Path) -> None:
    source = _source("postgresql+psycopg://nobody@127.0.0.1:9/none", tmp_path)
    query = parse_query({}, "Asia/Riyadh", date(2026, 12, 5))
    with pytest.raises(AnalyticsUnavailable, match="does not answer"):
        asyncio.run(source.report(query))
    with pytest.raises(AnalyticsUnavailable):
        asyncio.run(source.open_callbacks(None))
