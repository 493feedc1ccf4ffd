"""The dashboard's HTTP API on the gateway's real app (real accounts in Redis): roles, agents' own figures,
query validation, XLSX/PDF export. The report source is a recording fake (unit test of the handlers);
the store-backed source is tested with the analytics store."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook

from handoff.app import create_app
from handoff.appkeys import ACCOUNTS_KEY
from handoff.dashboard_query import AnalyticsUnavailable, ReportQuery
from handoff.settings import Settings
from scripts.redis_prefix import delete_prefix
from tests.conftest import TEST_REDIS_URL
from tests.dashboard.sample import sample_report

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.asyncio(loop_scope="module")


class RecordingSource:
    demo = False

    def __init__(self) -> None:
        self.queries: list[ReportQuery] = []
        self.down = False

    async def report(self, query: ReportQuery) -> dict[str, Any]:
        if self.down:
            raise AnalyticsUnavailable("the analytics store does not answer")
        self.queries.append(query)
        return sample_report(filters=dict(query.filters))

    async def open_callbacks(self, agent: str | None) -> list[dict[str, Any]]:
        return [{"task_id": "t1", "trigger": "csat_low", "due_at": "2026-12-05T10:00:00+00:00", "result": None,
                 "agent": None, "has_number": True}]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api():
    prefix = f"test:dash-{uuid.uuid4().hex[:10]}:"
    source = RecordingSource()
    settings = Settings(redis_url=TEST_REDIS_URL, redis_prefix=prefix, enable_editor=False,
                        chromium="/nonexistent/chromium")
    app = create_app(settings, report_source=source)
    tokens = {}
    for role, name in (("supervisor", "sup1"), ("agent", "noura"), ("editor", "ed1")):
        await app[ACCOUNTS_KEY].add(name, role, name, PASSWORD)
        tokens[role] = (await app[ACCOUNTS_KEY].login(name, PASSWORD, "127.0.0.1")).token
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client, tokens, source
    finally:
        await client.close()
        delete_prefix(TEST_REDIS_URL, prefix)


def auth(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


async def test_page_is_served_and_api_needs_a_staff_role(api) -> None:
    client, tokens, _ = api
    page = await client.get("/dashboard")
    assert page.status == 200 and 'dir="rtl"' in await page.text()
    assert (await client.get("/api/dashboard/report")).status == 401
    refused = await client.get("/api/dashboard/report", headers=auth(tokens, "editor"))
    assert refused.status == 403 and (await refused.json())["error"] == "forbidden"
    labels = await client.get("/api/dashboard/labels")
    assert (await labels.json())["kpis"]["csat_agent"] == "رضا المستفيد عن الموظفين"


async def test_supervisor_sees_everything_with_the_filters_asked(api) -> None:
    client, tokens, source = api
    res = await client.get("/api/dashboard/report?from=2026-10-01&to=2026-12-31&branch=جدة&language=ar",
                           headers=auth(tokens, "supervisor"))
    body = await res.json()
    assert res.status == 200 and body["role"] == "supervisor" and body["demo"] is False
    q = source.queries[-1]
    assert q.filters == {"branch": "جدة", "service": None, "language": "ar", "agent": None, "channel": None}
    assert q.start.isoformat() == "2026-10-01T00:00:00+03:00" and q.end.isoformat() == "2027-01-01T00:00:00+03:00"
    assert {row["key"] for row in body["report"]["breakdowns"]["agent"]} == {"noura", "khalid"}
    assert body["callbacks"][0]["task_id"] == "t1"


async def test_an_agent_gets_only_their_own_figures(api) -> None:
    client, tokens, source = api
    res = await client.get("/api/dashboard/report?agent=khalid", headers=auth(tokens, "agent"))
    body = await res.json()
    assert source.queries[-1].filters["agent"] == "noura"
    assert [row["key"] for row in body["report"]["breakdowns"]["agent"]] == ["noura"]
    assert body["role"] == "agent"


@pytest.mark.parametrize("query, fragment", [
    ("from=2026-13-01", "from"), ("from=2026-10-02&to=2026-10-01", "after"), ("from=2020-01-01&to=2026-01-01", "800"),
    ("quarter=2026-Q5", "quarter"), ("branch=" + "x" * 65, "branch"),
])
async def test_bad_queries_get_one_error_shape(api, query: str, fragment: str) -> None:
    client, tokens, _ = api
    res = await client.get(f"/api/dashboard/report?{query}", headers=auth(tokens, "supervisor"))
    body = await res.json()
    assert res.status == 400 and body["error"] == "invalid_query" and fragment in body["message"]


async def test_xlsx_export_equals_the_json_and_pdf_without_chromium_is_503(api) -> None:
    client, tokens, _ = api
    res = await client.get("/api/dashboard/export?format=xlsx&from=2026-10-01&to=2026-12-31",
                           headers=auth(tokens, "supervisor"))
    assert res.status == 200 and "attachment" in res.headers["Content-Disposition"]
    assert res.headers["Content-Disposition"].endswith('report-2026-10-01-2027-01-01.xlsx"')
    ws = load_workbook(io.BytesIO(await res.read()))["الملخص"]
    assert ws["B8"].value == sample_report()["kpis"]["conversations"]
    pdf = await client.get("/api/dashboard/export?format=pdf", headers=auth(tokens, "supervisor"))
    body = await pdf.json()
    assert pdf.status == 503 and body["error"] == "pdf_unavailable" and "CHROMIUM" in body["message"]
    bad = await client.get("/api/dashboard/export?format=csv", headers=auth(tokens, "supervisor"))
    assert bad.status == 400 and (await bad.json())["error"] == "invalid_format"
    assert (await client.get("/api/dashboard/export?format=xlsx", headers=auth(tokens, "editor"))).status == 403


async def test_store_down_is_a_503(api) -> None:
    client, tokens, source = api
    source.down = True
    try:
        res = await client.get("/api/dashboard/report", headers=auth(tokens, "supervisor"))
    finally:
        source.down = False
    assert res.status == 503 and (await res.json())["error"] == "analytics_unavailable"


async def test_recent_quarters_in_both_calendars(api) -> None:
    client, tokens, _ = api
    res = await client.get("/api/dashboard/periods", headers=auth(tokens, "agent"))
    quarters = (await res.json())["quarters"]
    assert [q["kind"] for q in quarters] == ["gregorian"] * 4 + ["hijri"] * 4
    assert all(q["from"] < q["to"] for q in quarters)
    assert (await client.get("/api/dashboard/periods")).status == 401
