"""The dashboard in real Chromium against a real gateway process reading a demo database that the real
`python -m analytics demo` filled: a supervisor sees every figure, an agent only their own, filters change
the figures, the demo banner shows, XLSX/PDF download, countdowns tick, no console errors, axe clean.
Screenshots at 1280 px and 360 px go to tests/artifacts/ (gitignored)."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hijridate import Gregorian
from openpyxl import load_workbook
from playwright.sync_api import expect

from analytics.events import envelope
from analytics.ingest import ingest
from analytics.store import make_engine
from scripts import procs
from tests.web.a11y import axe_violations
from tests.web.conftest import WebGateway, add_users, running_gateway, shot
from tests.web.pages import AGENT_PASSWORD, api

pytestmark = pytest.mark.browser
DEMO_AGENT = "noura"  # an agent of analytics/demo_profile.yaml: the demo history has her conversations
DASH_EDITOR = "dash-editor"  # a role the dashboard does not serve
JEDDAH = "جدة - الروضة"


@pytest.fixture(scope="module")
def dash_gateway(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGateway]:
    tmp = tmp_path_factory.mktemp("dashboard")
    env = {"ANALYTICS_DB_URL": f"sqlite:///{tmp / 'real.sqlite3'}",
           "ANALYTICS_DEMO_DB_URL": f"sqlite:///{tmp / 'demo.sqlite3'}", "LOG_LEVEL": "WARNING"}
    subprocess.run([str(procs.VENV_PY), "-m", "analytics", "demo", "--days", "45"], env=procs.base_env(**env),
                   cwd=procs.ROOT, check=True, capture_output=True, timeout=300)
    _two_open_followups(env["ANALYTICS_DEMO_DB_URL"])
    # The editor (and its search index) is not needed here: a lighter gateway.
    with running_gateway("http://127.0.0.1:9", redis_url, tmp, ANALYTICS_DEMO="true", ENABLE_EDITOR="false",
                         **env) as gw:
        add_users(procs.base_env(REDIS_URL=gw.redis_url, REDIS_PREFIX=gw.prefix),
                  [(DEMO_AGENT, "agent", "نورة"), (DASH_EDITOR, "editor", "سارة")])
        yield gw


def _two_open_followups(url: str) -> None:
    """One task due in 3 hours and one overdue by an hour, written through the real ingestion, so the
    countdowns have something to show whatever the random history left open."""
    now = datetime.now(UTC)
    events = [envelope("followup.created", f"c_demo_web{i}", at=iso(now - timedelta(hours=24 - due)),
                       task_id=f"fu_web{i}", trigger="csat_low", due_at=iso(now + timedelta(hours=due)),
                       has_number=True) for i, due in ((1, 3), (2, -1))]
    engine = make_engine(url)
    with engine.begin() as conn:
        ingest(conn, events, ZoneInfo("Asia/Riyadh"))
    engine.dispose()


def iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def _token(gw: WebGateway, username: str) -> str:
    return api(gw.url, "POST", "/api/login", {"username": username, "password": AGENT_PASSWORD})["token"]


def _figures(gw: WebGateway, username: str, query: str = "") -> dict:
    return api(gw.url, "GET", f"/api/dashboard/report?{query}", token=_token(gw, username))


def _open(context, gw: WebGateway, username: str, errors: list[str]):
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{gw.url}/dashboard")
    page.get_by_label("اسم المستخدم").fill(username)
    page.get_by_label("كلمة المرور").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="دخول").click()
    expect(page.locator("#status")).to_have_text("تم تحديث المؤشرات")
    return page


def test_sign_in_is_refused_kept_over_a_reload_and_ended_by_logout(context, dash_gateway: WebGateway) -> None:
    """The sign-in the dashboard shares with the editor (js/staff.js): a wrong password and a role the
    dashboard does not serve are refused without keeping anything; a session survives a reload; logout ends it."""
    page = context.new_page()
    page.goto(f"{dash_gateway.url}/dashboard")
    strings = json.loads((procs.ROOT / "handoff/static/dashboard/strings.json").read_text(encoding="utf-8"))
    for username, password, message in ((dash_gateway.supervisor, "not-the-password", "login_failed"),
                                        (DASH_EDITOR, AGENT_PASSWORD, "forbidden")):
        page.get_by_label("اسم المستخدم").fill(username)
        page.get_by_label("كلمة المرور").fill(password)
        page.get_by_role("button", name="دخول").click()
        expect(page.locator("#login-error")).to_have_text(strings[message])
        expect(page.locator("#app-view")).to_be_hidden()
        assert page.evaluate("sessionStorage.length") == 0
    page.get_by_label("اسم المستخدم").fill(dash_gateway.supervisor)
    page.get_by_label("كلمة المرور").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="دخول").click()
    expect(page.locator("#status")).to_have_text("تم تحديث المؤشرات")
    expect(page.locator("#login-error")).to_have_text("")
    page.reload()
    expect(page.locator("#status")).to_have_text("تم تحديث المؤشرات")
    expect(page.locator("#login-view")).to_be_hidden()
    page.locator("#logout").click()
    expect(page.locator("#login-view")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    page.close()


def _kpi(page, key: str) -> str:
    return page.locator(f'[data-kpi="{key}"] .kpi-value').inner_text()


def test_supervisor_sees_every_figure_filters_and_exports(context, dash_gateway: WebGateway, tmp_path: Path) -> None:
    errors: list[str] = []
    page = _open(context, dash_gateway, dash_gateway.supervisor, errors)
    data = _figures(dash_gateway, dash_gateway.supervisor)
    assert data["demo"] is True and data["report"]["kpis"]["conversations"] > 500
    expect(page.locator("#demo-banner")).to_be_visible()
    expect(page.locator("#demo-banner")).to_contain_text("بيانات تجريبية")
    assert _kpi(page, "conversations") == f"{data['report']['kpis']['conversations']:,}"
    assert page.evaluate("document.documentElement.dir") == "rtl"
    # Both calendars: the Hijri (Umm al-Qura) date of the first day as hijridate computes it.
    first = date.fromisoformat(data["report"]["period"]["from"])
    h = Gregorian(first.year, first.month, first.day).to_hijri()
    period = page.locator("#period").inner_text()
    assert f"{h.day} " in period and str(h.year) in period and str(first.year) in period and "هـ" in period
    expect(page.locator("#chart-trend")).to_have_attribute("aria-label", re.compile("^المحادثات: "))
    assert page.locator("#chart-trend").bounding_box()["height"] > 100
    assert page.locator("#branch-table tbody tr").count() == len(data["report"]["breakdowns"]["branch"])
    assert page.locator("#f-agent").is_visible()
    overdue = page.locator('#callbacks tr[data-task="fu_web2"]')
    expect(overdue).to_have_class("overdue")
    expect(overdue.locator(".countdown")).to_have_text(re.compile(r"^متأخر 1 س 0\d د \d\d ث$"))
    due_soon = page.locator('#callbacks tr[data-task="fu_web1"] .countdown')
    expect(due_soon).to_have_text(re.compile(r"^متبقٍ 2 س 5\d د \d\d ث$"))
    expect(due_soon).not_to_have_text(due_soon.inner_text())  # the countdown ticks
    assert page.locator('#callbacks tr[data-task="fu_web1"]').get_attribute("class") != "overdue"
    reasons = data["report"]["complaints"]["by_reason"]  # classified by the committed complaint model
    assert reasons and page.locator("#complaints > li[data-reason]").count() == len(reasons)
    expect(page.locator("#complaints .examples li").first).to_have_text(reasons[0]["examples"][0])
    page.screenshot(path=str(shot(page, "dashboard-desktop")), full_page=True)

    page.locator("#f-branch").select_option(JEDDAH)
    page.get_by_role("button", name="تطبيق").click()
    jeddah = _figures(dash_gateway, dash_gateway.supervisor, f"branch={quote(JEDDAH)}")["report"]["kpis"]
    expect(page.locator('[data-kpi="conversations"] .kpi-value')).to_have_text(f"{jeddah['conversations']:,}")
    assert jeddah["conversations"] < data["report"]["kpis"]["conversations"]

    with page.expect_download() as dl:
        page.get_by_role("button", name="تنزيل Excel").click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.name.endswith("-demo.xlsx")
    ws = load_workbook(io.BytesIO(path.read_bytes()))["الملخص"]
    assert ws["B8"].value == jeddah["conversations"] and JEDDAH in ws["B4"].value
    # The quarter picker asks for the CLI's own period (python -m analytics report --hijri-quarter …).
    hijri_q = page.locator('#f-quarter optgroup[label="هجري"] option').first.get_attribute("value")
    page.locator("#f-quarter").select_option(hijri_q)
    page.get_by_role("button", name="تطبيق").click()
    quarter = _figures(dash_gateway, dash_gateway.supervisor,
                       f"hijri_quarter={hijri_q.split(':')[1]}&branch={quote(JEDDAH)}")["report"]
    assert quarter["period"]["hijri_label"] == hijri_q.split(":")[1]
    expect(page.locator('[data-kpi="conversations"] .kpi-value')).to_have_text(f"{quarter['kpis']['conversations']:,}")
    with page.expect_download() as dl:
        page.get_by_role("button", name="تنزيل PDF").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    assert Path(dl.value.path()).read_bytes().startswith(b"%PDF")
    assert errors == []
    # Last: axe injects its own <style>, which the page's CSP rightly refuses (a console error).
    assert axe_violations(page) == []


def test_an_agent_sees_only_their_own_figures_on_a_phone(browser, dash_gateway: WebGateway) -> None:
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="ar-SA", device_scale_factor=2)
    try:
        errors: list[str] = []
        page = _open(ctx, dash_gateway, DEMO_AGENT, errors)
        own = _figures(dash_gateway, DEMO_AGENT)
        everyone = _figures(dash_gateway, dash_gateway.supervisor)["report"]["kpis"]["conversations"]
        assert own["report"]["filters"]["agent"] == DEMO_AGENT
        assert 0 < own["report"]["kpis"]["conversations"] < everyone
        assert [r["key"] for r in own["report"]["breakdowns"]["agent"]] == [DEMO_AGENT]
        expect(page.locator("#own-only")).to_be_visible()
        assert not page.locator("#f-agent").is_visible()
        assert _kpi(page, "conversations") == f"{own['report']['kpis']['conversations']:,}"
        # Nothing wider than the phone's screen but the tables' own scroll boxes.
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter((e) => !e.closest('.table-wrap'))
            .map((e) => [e, e.getBoundingClientRect()]).filter(([, r]) => r.left < -1 || r.right > 361)
            .slice(0, 5).map(([e, r]) => `${e.tagName}#${e.id}.${e.className} ${r.left}..${r.right}`)""")
        assert wide == []
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        shot(page, "dashboard-agent-360")
        assert errors == []
        assert axe_violations(page) == []
    finally:
        ctx.close()


def test_real_data_has_no_demo_banner_and_an_empty_store_renders(browser, redis_url: str,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp = tmp_path_factory.mktemp("dashboard-real")
    env = {"ANALYTICS_DB_URL": f"sqlite:///{tmp / 'real.sqlite3'}", "LOG_LEVEL": "WARNING"}
    subprocess.run([str(procs.VENV_PY), "-m", "analytics", "migrate"], env=procs.base_env(**env), cwd=procs.ROOT,
                   check=True, capture_output=True, timeout=120)
    with running_gateway("http://127.0.0.1:9", redis_url, tmp, ENABLE_EDITOR="false", **env) as gw:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
        try:
            errors: list[str] = []
            page = _open(ctx, gw, gw.supervisor, errors)
            assert _figures(gw, gw.supervisor)["demo"] is False
            expect(page.locator("#demo-banner")).to_be_hidden()
            assert _kpi(page, "conversations") == "0" and _kpi(page, "csat_agent") == "—"
            expect(page.locator("#complaints")).to_contain_text("لا توجد شكاوى")
            assert errors == []
        finally:
            ctx.close()
