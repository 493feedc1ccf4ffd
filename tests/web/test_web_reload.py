"""Reloading the citizen's page mid-chat keeps the whole history, once, and the chat goes on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.pages import (
    agent_console,
    agent_reply,
    ask_for_agent,
    bubbles,
    citizen_say,
    claim,
    conversation_id,
    open_widget,
    seqs,
    wait_for_bot_turn,
)

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]


def test_reload_mid_chat_keeps_history_without_duplicates(browser, web_gateway) -> None:
    citizen_ctx = browser.new_context(locale="ar-SA")
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    try:
        console = agent_console(agent_ctx, web_gateway.url, web_gateway.agent(2))
        citizen = open_widget(citizen_ctx, web_gateway.url)
        citizen_say(citizen, "كيف أنشئ حسابا في منصة الخدمات الإلكترونية؟")
        wait_for_bot_turn(citizen, 2)
        ask_for_agent(citizen)
        cid = conversation_id(citizen)
        claim(console, cid)
        agent_reply(console, "أهلاً، معك خالد")
        expect(citizen.locator(".msg.agent")).to_have_count(1)
        citizen_say(citizen, "أريد تغيير رقم جوالي")
        expect(console.locator("#transcript .entry.citizen", has_text="رقم جوالي")).to_have_count(1)
        expect(citizen.locator(".msg.pending")).to_have_count(0)

        before = bubbles(citizen)
        before_seqs = seqs(citizen)
        citizen.reload()
        # The panel reopens by itself and the history comes back from the gateway.
        expect(citizen.locator(".msg.agent")).to_have_count(1)
        expect(citizen.locator(".msg.citizen", has_text="رقم جوالي")).to_have_count(1)
        citizen.wait_for_function(f"() => document.querySelector('#faq-widget').shadowRoot"
                                  f".querySelectorAll('.log [data-seq]').length >= {len(before_seqs)}")
        assert bubbles(citizen) == before
        after_seqs = seqs(citizen)
        assert after_seqs == sorted(set(after_seqs)), "a transcript entry is shown twice or out of order"
        assert after_seqs == before_seqs
        assert conversation_id(citizen) == cid

        # Still the same live conversation: both directions work after the reload, each message once.
        agent_reply(console, "تم، هل من شيء آخر؟")
        expect(citizen.locator(".msg.agent")).to_have_count(2)
        citizen_say(citizen, "لا، شكراً")
        expect(console.locator("#transcript .entry.citizen", has_text="لا، شكراً")).to_have_count(1)
        expect(citizen.locator(".msg.citizen", has_text="لا، شكراً")).to_have_count(1)
    finally:
        citizen_ctx.close()
        agent_ctx.close()
