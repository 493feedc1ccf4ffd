"""The supervisors' dashboard: ``/dashboard`` (page), ``/api/dashboard/report`` (figures as JSON),
``/api/dashboard/export`` (the same report as XLSX or PDF), ``/api/dashboard/labels`` (its Arabic labels).

Supervisors see every figure; an agent sees only their own (the agent filter is forced to their username
and other agents' rows are removed). Editors and anonymous callers are refused (one error shape)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from analytics.labels import labels
from analytics.pdf_report import PdfUnavailable, pdf_bytes
from analytics.xlsx_report import xlsx_bytes
from handoff.appkeys import REPORT_SOURCE_KEY, SETTINGS_KEY
from handoff.auth import authenticate, require_role
from handoff.dashboard_query import (
    AnalyticsUnavailable,
    QueryError,
    ReportQuery,
    as_agent,
    own_figures,
    parse_query,
    recent_quarters,
)
from handoff.http_errors import error_response
from handoff.settings import Settings

log = logging.getLogger(__name__)
ROLES = ("supervisor", "agent")
_PRINTING = asyncio.Semaphore(1)
EXPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


async def _report(request: web.Request) -> tuple[dict[str, Any], str, ReportQuery]:
    account = require_role(await authenticate(request), *ROLES)
    settings = request.app[SETTINGS_KEY]
    today = datetime.now(ZoneInfo(settings.timezone)).date()
    query = parse_query(dict(request.query), settings.timezone, today)
    if account.role == "agent":
        query = as_agent(query, account.username)
    report = await request.app[REPORT_SOURCE_KEY].report(query)
    if account.role == "agent":
        report = own_figures(report, account.username)
    return report, account.role, query


async def report_json(request: web.Request) -> web.Response:
    try:
        report, role, query = await _report(request)
        agent = query.filters["agent"] if role == "agent" else None
        callbacks = await request.app[REPORT_SOURCE_KEY].open_callbacks(agent)
    except QueryError as exc:
        return error_response(400, exc.code, exc.message)
    except AnalyticsUnavailable as exc:
        return error_response(503, exc.code, exc.message)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return web.json_response({"report": report, "callbacks": callbacks, "role": role, "now": now,
                              "demo": bool(report.get("demo"))})


async def export(request: web.Request) -> web.StreamResponse:
    fmt = request.query.get("format", "xlsx")
    if fmt not in EXPORT_TYPES:
        return error_response(400, "invalid_format", "format must be xlsx or pdf")
    try:
        report, _, query = await _report(request)
        body = await _render(request.app[SETTINGS_KEY], report, fmt)
    except QueryError as exc:
        return error_response(400, exc.code, exc.message)
    except AnalyticsUnavailable as exc:
        return error_response(503, exc.code, exc.message)
    except PdfUnavailable as exc:  # no Chromium on this host (the Docker image)
        log.warning("pdf export unavailable: %s", exc)
        return error_response(503, "pdf_unavailable", str(exc))
    name = f"report-{query.start.date()}-{query.end.date()}{'-demo' if report.get('demo') else ''}.{fmt}"
    return web.Response(body=body, content_type=EXPORT_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


async def _render(settings: Settings, report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "xlsx":
        return await asyncio.to_thread(xlsx_bytes, report)
    async with _PRINTING:  # one Chromium at a time per gateway: each costs ~150 MB and a core for a second
        return await pdf_bytes(report, settings.chromium)


async def periods_json(request: web.Request) -> web.Response:
    require_role(await authenticate(request), *ROLES)
    today = datetime.now(ZoneInfo(request.app[SETTINGS_KEY].timezone)).date()
    return web.json_response({"quarters": recent_quarters(today)})


async def labels_json(request: web.Request) -> web.Response:
    return web.json_response(labels(), headers={"Cache-Control": "public, max-age=300"})


def setup(app: web.Application) -> None:
    """Mount the dashboard's API; ``create_app`` sets the report source and the settings it reads."""
    app.router.add_get("/api/dashboard/report", report_json)
    app.router.add_get("/api/dashboard/export", export)
    app.router.add_get("/api/dashboard/labels", labels_json)
    app.router.add_get("/api/dashboard/periods", periods_json)
