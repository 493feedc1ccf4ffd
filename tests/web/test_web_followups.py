"""The follow-up list of the agent console (#14 item 4) in Chromium against a real gateway and real Redis:
ordered by time left, overdue marked, Hijri and Gregorian due dates, the number masked until taken, calls
recorded, and two agents recording the same task: the second is told, nothing is recorded twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis.asyncio as aioredis
from playwright.sync_api import expect

from handoff.followups import Followups, task_id_for
from handoff.keys import Keys
from tests.web.a11y import axe_violations
from tests.web.conftest import ARTIFACTS, WebGateway, running_gateway
from tests.web.pages import agent_console

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def gateway(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGateway]:
    # The console and its follow-up list need no bot: nothing here reaches Rasa.
    with running_gateway("http://127.0.0.1:9", redis_url, tmp_path_factory.mktemp("fu-gw"),
                         ENABLE_EDITOR="false") as gw:
        yield gw


def seed(gw: WebGateway, tasks: list[tuple[str, str, float, str | None]]) -> None:
    """(conversation id, trigger, created seconds ago, mobile) through the gateway's own store, in a thread:
    Playwright's sync API keeps an event loop running in this one."""

    async def run() -> None:
        r = aioredis.Redis.from_url(gw.redis_url)
        store = Followups(r, Keys(gw.prefix), 86400, 1209600)
        for cid, trigger, ago, mobile in tasks:
            await store.create(cid, trigger, now=time.time() - ago)  # type: ignore[arg-type]
            if mobile:
                await store.set_number(cid, mobile)
        await r.aclose()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def watch_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_list_by_time_left_overdue_marked_number_masked_until_taken(browser, gateway: WebGateway) -> None:
    stamp = str(int(time.time() * 1000))
    soon, late, later = f"c_fuSoon{stamp}", f"c_fuLate{stamp}", f"c_fuLater{stamp}"
    seed(gateway, [(later, "thumb_down_left", 60, None), (late, "csat_low", 90_000, "0551234567"),
                   (soon, "csat_low", 80_000, "+971501234567")])
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-SA")
    page = agent_console(ctx, gateway.url, gateway.agent(1))
    errors = watch_errors(page)
    items = page.locator("#followups li.followup-item")
    ids = [task_id_for(c) for c in (late, soon, later)]
    page.wait_for_function("(ids) => ids.every((id) => document.querySelector(`li[data-task='${id}']`))", arg=ids)
    order = items.evaluate_all("(ns) => ns.map((n) => n.dataset.task)")
    assert [i for i in order if i in ids] == ids  # overdue first, then by time left
    overdue, due = page.locator(f"li[data-task='{ids[0]}']"), page.locator(f"li[data-task='{ids[1]}']")
    expect(overdue).to_have_class("item followup-item overdue")
    expect(overdue.locator(".countdown")).to_contain_text("متأخرة")
    expect(due.locator(".countdown")).to_contain_text("متبقٍ")
    first = due.locator(".countdown").text_content()
    page.wait_for_function("([sel, t]) => document.querySelector(sel).textContent !== t",
                           arg=[f"li[data-task='{ids[1]}'] .countdown", first])
    expect(due.locator(".due")).to_contain_text("هـ")  # Hijri (Umm al-Qura) next to the Gregorian date
    expect(overdue).to_contain_text("+966•••••••67")
    expect(overdue.locator("a[href^='tel:']")).to_have_count(0)
    expect(page.locator(f"li[data-task='{ids[2]}']")).to_contain_text("لم يترك رقماً")
    page.locator("#followups").screenshot(path=str(ARTIFACTS / "console-followups.png"))

    overdue.get_by_role("button", name="استلام المتابعة").click()
    expect(overdue.locator("a[href='tel:+966551234567']")).to_be_visible()
    overdue.get_by_label("نتيجة الاتصال").select_option("resolved")
    overdue.get_by_label("السبب").select_option("long_wait")
    overdue.get_by_role("button", name="تسجيل الاتصال").click()
    expect(page.locator("#followups .note")).to_have_text("سُجّل الاتصال.")
    expect(page.locator(f"li[data-task='{ids[0]}']")).to_have_count(0)
    assert errors == [], errors
    # Last: axe-core injects inline styles, which the console's CSP reports as errors.
    assert axe_violations(page, "#followups") == []
    ctx.close()


def test_two_agents_record_the_same_task_the_second_is_told(browser, gateway: WebGateway) -> None:
    cid = f"c_fuRace{int(time.time() * 1000)}"
    seed(gateway, [(cid, "csat_low", 100, "0557654321")])
    task = task_id_for(cid)
    pages = []
    for n in (2, 3):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar-SA")
        page = agent_console(ctx, gateway.url, gateway.agent(n))
        page.locator(f"li[data-task='{task}']").wait_for()
        pages.append((ctx, page, watch_errors(page)))
    (_, one, err1), (_, two, err2) = pages
    for page in (one, two):  # both read the same version, then record one after the other
        item = page.locator(f"li[data-task='{task}']")
        item.get_by_label("نتيجة الاتصال").select_option("not_reached")
        item.get_by_label("السبب").select_option("other")
    one.locator(f"li[data-task='{task}']").get_by_role("button", name="تسجيل الاتصال").click()
    expect(one.locator("#followups .note")).to_have_text("سُجّل الاتصال.")
    two.locator(f"li[data-task='{task}']").get_by_role("button", name="تسجيل الاتصال").click()
    expect(two.locator("#followups .note")).to_contain_text("موظف آخر")
    expect(two.locator(f"li[data-task='{task}']")).to_contain_text("محاولات الاتصال: 1")
    expect(two.locator(f"li[data-task='{task}']")).not_to_contain_text("0557654321")  # not the handler
    # The refusal itself is a 409 that Chromium logs as a failed load; any other error is a bug.
    assert err1 == [] and [e for e in err2 if "status of 409" not in e] == [], (err1, err2)
    for ctx, _, _ in pages:
        ctx.close()
