"""The whole citizen ↔ agent path in two browser contexts against the real gateway, Rasa and Redis."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import shot
from tests.web.pages import (
    AGENT_PASSWORD,
    agent_console,
    agent_reply,
    api,
    ask_for_agent,
    bubbles,
    citizen_say,
    claim,
    conversation_id,
    open_widget,
    watch_for_scripts,
)

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]

FAQ_QUESTION = "نسيت كلمة المرور فكيف أعيد تعيينها؟"
FAQ_ANSWER_PART = "صفحة الدخول"  # from the corpus answer of accounts-password-reset


def csat_count(base: str, supervisor: str) -> int:
    token = api(base, "POST", "/api/login", {"username": supervisor, "password": AGENT_PASSWORD})["token"]
    return api(base, "GET", "/api/csat/summary", token=token)["count"]


def test_faq_answer_handoff_agent_reply_resolve_and_csat(browser, web_gateway) -> None:
    base = web_gateway.url
    csat_before = csat_count(base, web_gateway.supervisor)
    citizen_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    try:
        # The agent is online before the citizen asks for a human (otherwise: leave-a-message form).
        console = agent_console(agent_ctx, base, web_gateway.agent(1))
        citizen = open_widget(citizen_ctx, base)
        dialogs = watch_for_scripts(citizen)

        citizen_say(citizen, FAQ_QUESTION)
        answer = citizen.locator(".msg.bot", has_text=FAQ_ANSWER_PART)
        expect(answer).to_be_visible(timeout=30_000)
        expect(citizen.locator(".msg.citizen", has_text=FAQ_QUESTION)).to_have_count(1)
        expect(answer.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
        shot(citizen, "widget-desktop-answer")

        ask_for_agent(citizen)
        queue_box = citizen.locator(".queue")
        expect(queue_box).to_be_visible()
        expect(queue_box).to_contain_text(re.compile("ترتيبك في القائمة: [0-9٠-٩]+"))
        shot(citizen, "widget-desktop-queued")

        cid = conversation_id(citizen)
        item = console.locator(f"#queue-list li[data-cid='{cid}']")
        expect(item).to_contain_text("طلب المواطن")
        expect(item).to_contain_text(FAQ_QUESTION[:10])
        claim(console, cid)

        transcript = console.locator("#transcript")
        expect(transcript.locator(".entry.citizen", has_text=FAQ_QUESTION)).to_have_count(1)
        expect(transcript.locator(".entry.bot", has_text=FAQ_ANSWER_PART)).to_have_count(1)
        expect(console.locator("#packet-body")).to_contain_text("طلب المواطن")
        # The citizen's question is in the summary: the agent could label it "not covered by the FAQ".
        expect(console.get_by_role("button", name="السؤال ليس في الأسئلة الشائعة")).to_be_visible()

        agent_reply(console, "مرحباً، معك نورة. سأساعدك في استعادة كلمة المرور.")
        reply = citizen.locator(".msg.agent", has_text="معك نورة")
        expect(reply).to_be_visible()
        expect(reply.locator(".who")).to_have_text("نورة")
        expect(citizen.locator(".queue")).to_be_hidden()
        shot(console, "console-desktop-chat")

        citizen_say(citizen, "شكراً لك")
        expect(transcript.locator(".entry.citizen", has_text="شكراً لك")).to_have_count(1)

        console.get_by_label("نتيجة المحادثة").select_option("resolved")
        console.get_by_role("button", name="إنهاء المحادثة").click()
        console.get_by_role("dialog").get_by_role("button", name="نعم، أنهِ المحادثة").click()
        expect(console.locator(f"#mine-list li[data-cid='{cid}']")).to_have_count(0)

        csat = citizen.locator("form.csat")
        expect(csat).to_be_visible()
        csat.locator("label", has_text="4").click()
        csat.get_by_label("ملاحظاتك (اختياري)").fill("خدمة سريعة")
        csat.get_by_role("button", name="إرسال التقييم").click()
        expect(citizen.get_by_text("شكراً، تم حفظ تقييمك.")).to_be_visible()
        expect(citizen.get_by_role("button", name="بدء محادثة جديدة")).to_be_visible()
        shot(citizen, "widget-desktop-csat")

        assert csat_count(base, web_gateway.supervisor) == csat_before + 1
        roles = [role for role, _ in bubbles(citizen)]
        assert roles.count("agent") == 1 and "bot" in roles
        assert dialogs == []
    finally:
        citizen_ctx.close()
        agent_ctx.close()
