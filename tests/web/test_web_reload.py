"""Reloading the citizen's page mid-chat keeps the whole history, once, and the chat goes on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.pages import (
    agent_console,
    agent_reply,
    bubbles,
    citizen_say,
    claim,
    conversation_id,
    open_widget,
    seqs,
)

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]


def test_reload_mid_chat_keeps_history_without_duplicates(browser, web_gateway) -> None:
    citizen_ctx = browser.new_context(locale="ar-SA")
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    try:
        console = agent_console(agent_ctx, web_gateway.url, web_gateway.agent(2))
        citizen = open_widget(citizen_ctx, web_gateway.url)
        citizen_say(citizen, "كيف أنشئ حسابا في منصة الخدمات الإلكترونية؟")
        answer = citizen.locator(".msg.bot", has_text="تسجيل حساب جديد")
        expect(answer).to_have_count(1, timeout=30_000)
        # 👎 on the bot's "هل أفادتك الإجابة؟": the bot offers a person; accepting queues with the answer's
        # FAQ candidates.
        helpful = citizen.locator(".msg.bot", has=citizen.locator(".feedback"))
        expect(helpful).to_have_count(1, timeout=30_000)
        thumbs_down = helpful.get_by_role("button", name="إجابة غير مفيدة")
        thumbs_down.click()
        expect(thumbs_down).to_have_attribute("aria-pressed", "true")
        offer = citizen.locator(".msg.bot .chip", has_text="موظف")
        offer.first.wait_for(timeout=30_000)
        offer_title = offer.first.inner_text()
        offer.first.click()
        expect(citizen.locator(".queue")).to_be_visible(timeout=30_000)
        cid = conversation_id(citizen)
        expect(console.locator(f"#queue-list li[data-cid='{cid}']")).to_contain_text("تقييم سلبي")
        claim(console, cid)

        # The handoff packet shows the candidate with its answer; "insert" puts it in the reply box.
        candidate = console.locator("#packet-body .faq-item", has_text="كيف أنشئ حسابا")
        expect(candidate.locator(".answer")).to_contain_text("تسجيل حساب جديد")
        candidate.get_by_role("button", name="إدراج في الرد").click()
        expect(console.get_by_label("الرد على المواطن")).to_have_value(re.compile("تسجيل حساب جديد"))
        console.get_by_role("button", name="إرسال", exact=True).click()
        expect(citizen.locator(".msg.agent", has_text="تسجيل حساب جديد")).to_have_count(1)
        agent_reply(console, "أهلاً، معك خالد")
        expect(citizen.locator(".msg.agent")).to_have_count(2)
        citizen_say(citizen, "أريد تغيير رقم جوالي")
        expect(console.locator("#transcript .entry.citizen", has_text="رقم جوالي")).to_have_count(1)
        expect(citizen.locator(".msg.pending")).to_have_count(0)

        before = bubbles(citizen)
        before_seqs = seqs(citizen)
        citizen.reload()
        # The panel reopens by itself and the history comes back from the gateway.
        expect(citizen.locator(".msg.agent")).to_have_count(2)
        expect(citizen.locator(".msg.citizen", has_text="رقم جوالي")).to_have_count(1)
        # The 👎 given before the reload is still shown and spent (replayed feedback event), and so is the
        # offer's quick reply the citizen pressed (replayed citizen message with its payload).
        thumbs_down = citizen.locator(".msg.bot .feedback").get_by_role("button", name="إجابة غير مفيدة")
        expect(thumbs_down).to_have_attribute("aria-pressed", "true")
        expect(thumbs_down).to_be_disabled()
        pressed = citizen.locator(".msg.bot .chip", has_text=offer_title)
        expect(pressed).to_have_attribute("aria-pressed", "true")
        expect(pressed).to_be_disabled()
        citizen.wait_for_function(f"() => document.querySelector('#faq-widget').shadowRoot"
                                  f".querySelectorAll('.log [data-seq]').length >= {len(before_seqs)}")
        assert bubbles(citizen) == before
        after_seqs = seqs(citizen)
        assert after_seqs == sorted(set(after_seqs)), "a transcript entry is shown twice or out of order"
        assert after_seqs == before_seqs
        assert conversation_id(citizen) == cid

        # The agent reloads too: the console signs in again from sessionStorage and reopens the conversation.
        console.reload()
        mine = console.locator(f"#mine-list li[data-cid='{cid}'] button[aria-current='true']")
        expect(mine).to_be_visible()
        expect(console.locator("#transcript .entry.citizen", has_text="رقم جوالي")).to_have_count(1)
        expect(console.locator("#transcript .entry.agent", has_text="معك خالد")).to_have_count(1)

        # Still the same live conversation: both directions work after the reload, each message once.
        agent_reply(console, "تم، هل من شيء آخر؟")
        expect(citizen.locator(".msg.agent")).to_have_count(3)
        citizen_say(citizen, "لا، شكراً")
        expect(console.locator("#transcript .entry.citizen", has_text="لا، شكراً")).to_have_count(1)
        expect(citizen.locator(".msg.citizen", has_text="لا، شكراً")).to_have_count(1)
    finally:
        citizen_ctx.close()
        agent_ctx.close()
