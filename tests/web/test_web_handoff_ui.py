"""Handoff states seen by both sides, on a gateway of its own (so who is online is known): the
leave-a-message form when nobody is online, the queue with cancel, several conversations with unread
counts, typing indicators, return to bot, away status and the widget's unread badge."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.web.a11y import axe_violations
from tests.web.conftest import WebGateway, running_gateway, shot
from tests.web.pages import (
    LAUNCHER,
    agent_console,
    agent_reply,
    citizen_say,
    claim,
    conversation_id,
    isolated,
    open_widget,
)

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture(scope="module")
def quiet_gateway(rasa_stack, redis_url, tmp_path_factory) -> Iterator[WebGateway]:
    with running_gateway(rasa_stack.rasa_url, redis_url, tmp_path_factory.mktemp("quiet-gw")) as gw:
        yield gw


def availability(base: str) -> dict:
    with urllib.request.urlopen(base + "/api/availability", timeout=10) as resp:
        return json.loads(resp.read())


def test_leave_a_message_when_no_agent_is_online(browser, quiet_gateway) -> None:
    citizen_ctx = browser.new_context(locale="ar-SA")
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    try:
        citizen = open_widget(citizen_ctx, quiet_gateway.url)
        citizen.get_by_role("button", name="تحدث مع موظف").click()
        form = citizen.locator("form.callback")
        expect(form).to_contain_text("لا يتوفر موظف الآن")

        form.get_by_label("الاسم").fill("س")
        form.get_by_label("رقم الجوال").fill("12345")
        form.get_by_role("button", name="إرسال الطلب").click()
        expect(form.get_by_text("اكتب اسمك (حرفان على الأقل)")).to_be_visible()
        expect(form.get_by_text("اكتب رقم جوال سعودي صحيح")).to_be_visible()
        expect(form.get_by_label("رقم الجوال")).to_have_attribute("aria-invalid", "true")
        assert citizen.evaluate("() => document.querySelector('#faq-widget').shadowRoot.activeElement.type") == "text"
        assert axe_violations(citizen) == []

        form.get_by_label("الاسم").fill("سارة العتيبي")
        form.get_by_label("رقم الجوال").fill("٠٥٥١٢٣٤٥٦٧")  # Arabic-Indic digits, as citizens type them
        form.get_by_label("رسالتك").fill("أحتاج موعداً لتجديد الجواز")
        form.get_by_role("button", name="إرسال الطلب").click()
        expect(form).to_have_text("تم استلام طلبك، سنتصل بك في أقرب وقت.")
        shot(citizen, "widget-desktop-callback")

        citizen.reload()  # the transcript remembers that the form was sent
        expect(citizen.locator("form.callback")).to_have_text("تم استلام طلبك، سنتصل بك في أقرب وقت.")

        console = agent_console(agent_ctx, quiet_gateway.url, quiet_gateway.agent(1))
        item = console.locator("#cb-list li", has_text="سارة العتيبي")
        expect(item).to_contain_text("551234567")
        expect(item).to_contain_text("أحتاج موعداً لتجديد الجواز")
        item.get_by_role("button", name="تم الاتصال").click()
        expect(console.locator("#cb-list li", has_text="سارة العتيبي")).to_have_count(0)
    finally:
        citizen_ctx.close()
        agent_ctx.close()


def test_queue_cancel_several_chats_typing_return_to_bot_and_badges(browser, quiet_gateway) -> None:
    base = quiet_gateway.url
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    ctx_a = browser.new_context(locale="ar-SA")
    ctx_b = browser.new_context(locale="ar-SA", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        console = agent_console(agent_ctx, base, quiet_gateway.agent(2))
        a = open_widget(ctx_a, base)
        a.get_by_role("button", name="تحدث مع موظف").click()
        expect(a.locator(".queue")).to_be_visible()
        cid_a = conversation_id(a)
        expect(console.locator(f"#queue-list li[data-cid='{cid_a}']")).to_have_count(1)
        expect(console).to_have_title(re.compile(r"^\(\d+\) لوحة الموظفين$"))  # seen from a background tab
        a.get_by_role("button", name="إلغاء والعودة إلى المساعد").click()
        expect(a.locator(".queue")).to_be_hidden()
        expect(a.locator(".log > :last-child")).to_contain_text("أُلغي طلب التحدث مع موظف")  # not "في قائمة الانتظار"
        expect(a.get_by_role("button", name="تحدث مع موظف")).to_be_visible()
        expect(console.locator(f"#queue-list li[data-cid='{cid_a}']")).to_have_count(0)

        a.get_by_role("button", name="تحدث مع موظف").click()
        b = open_widget(ctx_b, base)
        b.get_by_role("button", name="تحدث مع موظف").click()
        expect(b.locator(".queue")).to_be_visible()
        shot(b, "widget-360-queued")
        cid_b = conversation_id(b)
        claim(console, cid_a)
        claim(console, cid_b)
        agent_name = quiet_gateway.agents[1][1]
        # The name is a bidi isolate inside the sentence (FSI … PDI, invisible): it cannot reorder the line.
        expect(a.locator(".msg.system", has_text=f"{isolated(agent_name)} معك الآن")).to_have_count(1)

        # B is on screen; A writes: A's entry in "my conversations" gets an unread count.
        citizen_say(a, "هل يمكنني تغيير الموعد؟")
        mine_a = console.locator(f"#mine-list li[data-cid='{cid_a}']")
        expect(mine_a).to_contain_text("1 غير مقروءة")
        mine_a.get_by_role("button").click()
        expect(mine_a).not_to_contain_text("غير مقروءة")
        expect(console.locator("#transcript .entry.citizen", has_text="تغيير الموعد")).to_have_count(1)

        a.locator("#faq-input").press_sequentially("لحظة")
        expect(console.locator("#chat-typing")).to_have_text("المواطن يكتب…")
        console.get_by_label("الرد على المواطن").press_sequentially("نعم")
        expect(a.locator(".typing")).to_have_text(f"{isolated(agent_name)}: جارٍ الكتابة…")
        shot(console, "console-two-chats")
        assert axe_violations(console) == []

        # Widget badge: B's panel is closed when the agent writes to B.
        b.get_by_role("button", name="إغلاق المحادثة").click()
        console.locator(f"#mine-list li[data-cid='{cid_b}'] button").click()
        agent_reply(console, "أهلاً بك، كيف أخدمك؟")
        launcher = b.get_by_role("button", name="رسالة جديدة واحدة")
        expect(launcher).to_be_visible()
        expect(b.locator(".badge")).to_have_text("1")
        launcher.click()
        expect(b.locator(".badge")).to_be_hidden()
        expect(b.locator(".launcher .vh")).to_have_text(LAUNCHER)  # label back to "open the chat"

        console.locator(f"#mine-list li[data-cid='{cid_a}'] button").click()
        console.get_by_role("button", name="إعادة إلى المساعد الآلي").click()
        expect(a.locator(".msg.system", has_text="عادت المحادثة إلى المساعد الآلي")).to_have_count(1)
        expect(a.get_by_role("button", name="تحدث مع موظف")).to_be_visible()
        expect(mine_a).to_have_count(0)

        # Away: no longer counted for new handoffs (other agents may still be within their timeout).
        online = availability(base)["agents_online"]
        assert online >= 1
        console.get_by_label("الحالة").select_option("away")
        for _ in range(50):
            if availability(base)["agents_online"] == online - 1:
                break
            console.wait_for_timeout(100)
        assert availability(base)["agents_online"] == online - 1
    finally:
        agent_ctx.close()
        ctx_a.close()
        ctx_b.close()


def test_gateway_restart_mid_chat_loses_and_duplicates_nothing(browser, quiet_gateway) -> None:
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    citizen_ctx = browser.new_context(locale="ar-SA")
    try:
        console = agent_console(agent_ctx, quiet_gateway.url, quiet_gateway.agent(3))
        citizen = open_widget(citizen_ctx, quiet_gateway.url)
        citizen.get_by_role("button", name="تحدث مع موظف").click()
        cid = conversation_id(citizen)
        claim(console, cid)
        agent_reply(console, "مرحباً، معك ريم")
        expect(citizen.locator(".msg.agent")).to_have_count(1)

        quiet_gateway.service.stop()
        expect(citizen.locator(".status")).to_have_text("انقطع الاتصال، جارٍ إعادة المحاولة…")
        citizen_say(citizen, "رسالة كتبتها أثناء الانقطاع")  # kept in the outbox, sent after resume
        expect(citizen.locator(".msg.citizen.pending")).to_have_count(1)
        quiet_gateway.service.start()
        quiet_gateway.service.wait_healthy(timeout=90)

        expect(citizen.locator(".status")).to_be_hidden(timeout=30_000)
        expect(citizen.locator(".msg.citizen.pending")).to_have_count(0)
        transcript = console.locator("#transcript")
        expect(transcript.locator(".entry.citizen", has_text="أثناء الانقطاع")).to_have_count(1, timeout=30_000)
        agent_reply(console, "وصلتني رسالتك")
        expect(citizen.locator(".msg.agent")).to_have_count(2)
        expect(citizen.locator(".msg.citizen", has_text="أثناء الانقطاع")).to_have_count(1)
        seqs = citizen.evaluate("""() => [...document.querySelector('#faq-widget').shadowRoot
            .querySelectorAll('.log [data-seq]')].map((n) => Number(n.dataset.seq))""")
        assert seqs == sorted(set(seqs))
    finally:
        agent_ctx.close()
        citizen_ctx.close()
