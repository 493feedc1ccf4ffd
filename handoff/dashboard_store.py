"""The dashboard's figures from the analytics store (SQLAlchemy; SQLite by default, PostgreSQL at scale).

``ANALYTICS_DEMO=true`` points the dashboard at ``ANALYTICS_DEMO_DB_URL``, the database that
``python -m analytics demo`` fills: real and demo data never share a database, and every report read from
the demo one is marked ``demo: true`` (the page then shows "بيانات تجريبية")."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from handoff.dashboard_query import AnalyticsUnavailable, ReportQuery
from handoff.settings import Settings

OPEN_CALLBACKS_LIMIT = 200


class StoreSource:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.demo = settings.analytics_demo
        self.url = settings.analytics_demo_db_url if self.demo else settings.analytics_db_url
        self._engine: Any = None

    def _bind(self) -> Any:
        if self._engine is None:
            try:
                from sqlalchemy import create_engine
            except ImportError as exc:  # pragma: no cover - requirements.txt pins it
                raise AnalyticsUnavailable(f"the analytics store needs SQLAlchemy: {exc}") from None
            try:
                from analytics.store import make_engine
            except ImportError:
                self._engine = create_engine(self.url, pool_pre_ping=True)
            else:
                self._engine = make_engine(self.url)
        return self._engine

    def _report(self, query: ReportQuery) -> dict[str, Any]:
        try:
            from analytics import periods
            from analytics.report import build_report
        except ImportError as exc:
            raise AnalyticsUnavailable(f"the analytics report is not installed: {exc}") from None
        if query.quarter:
            period = periods.gregorian_quarter(query.quarter)
        elif query.hijri_quarter:
            period = periods.hijri_quarter(query.hijri_quarter)
        else:
            last = query.end.date() - timedelta(days=1)
            period = periods.date_range(query.start.date().isoformat(), last.isoformat())
        try:
            return build_report(self._bind(), period, query.filters, self.settings.timezone,
                                datetime.now(UTC), demo=self.demo)
        except Exception as exc:  # the store is down or not migrated: one clear answer, not a 500
            if type(exc).__module__.startswith("sqlalchemy"):
                raise AnalyticsUnavailable(f"the analytics store at ANALYTICS_DB_URL does not answer: "
                                           f"{type(exc).__name__} (run `python -m analytics migrate`)") from None
            raise

    async def report(self, query: ReportQuery) -> dict[str, Any]:
        return await asyncio.to_thread(self._report, query)

    def _callbacks(self, agent: str | None) -> list[dict[str, Any]]:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        sql = ("SELECT task_id, trigger, created_at, due_at, result, reason, agent, has_number FROM callback_tasks "
               "WHERE (result IS NULL OR result = 'not_reached') ORDER BY due_at LIMIT :n")
        try:
            with self._bind().connect() as conn:
                rows = conn.execute(text(sql), {"n": OPEN_CALLBACKS_LIMIT}).mappings().all()
        except SQLAlchemyError as exc:
            raise AnalyticsUnavailable(f"the analytics store does not answer: {type(exc).__name__}") from None
        out = [{k: _iso(v) for k, v in row.items()} for row in rows]
        return [r for r in out if agent is None or r["agent"] in (None, agent)]

    async def open_callbacks(self, agent: str | None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._callbacks, agent)


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec="seconds")
    return value
