"""Hostile text through the real paths — citizen text, agent text, FAQ answer text — renders as inert
text in the widget and in the console: no dialog opens and the window flag stays unset."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.web.pages import (
    AGENT_PASSWORD,
    agent_console,
    agent_reply,
    api,
    ask_for_agent,
    citizen_say,
    claim,
    conversation_id,
    open_widget,
    wait_for_bot_turn,
    watch_for_scripts,
)
from tests.web.xss_corpus import XSS, shown_text

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]

PAYLOAD = "\n".join(XSS)
SHOWN = shown_text(PAYLOAD)
INERT_CHECK = """(root) => {
  const scope = root === 'widget' ? document.querySelector('#faq-widget').shadowRoot : document.querySelector(root);
  const bad = [...scope.querySelectorAll('img, svg:not([aria-hidden]), script, iframe, math, details, object, embed')]
    .filter((n) => !n.closest('.launcher, .feedback, .icon-btn'));
  const links = [...scope.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))
    .filter((h) => !/^(https:|mailto:|tel:)/.test(h) && !h.startsWith('#'));
  return {bad: bad.map((n) => n.outerHTML.slice(0, 80)), links, pwned: window.__pwned ?? null};
}"""


def assert_inert(page, root: str, dialogs: list[str]) -> None:
    page.wait_for_timeout(300)  # give any injected handler (onerror, onload) the chance to fire
    result = page.evaluate(INERT_CHECK, root)
    assert result == {"bad": [], "links": [], "pwned": None}
    assert dialogs == []


HOSTILE_QUESTION = "ما هو رمز اختبار الحقن زد زد زد؟"


@pytest.fixture(scope="module")
def hostile_faq(web_gateway) -> Iterator[str]:
    """A published FAQ entry, created through the editor API, whose answer is the XSS corpus."""
    base = web_gateway.url
    token = api(base, "POST", "/api/login", {"username": web_gateway.editor, "password": AGENT_PASSWORD})["token"]
    entry_id = f"xss-{uuid.uuid4().hex[:8]}"
    entry = {"id": entry_id, "category": "اختبار الأمان", "question": HOSTILE_QUESTION, "alternatives": [],
             "answer": PAYLOAD, "links": [], "tags": [], "status": "published"}
    api(base, "POST", "/api/faq", entry, token)
    yield entry_id
    api(base, "DELETE", f"/api/faq/{entry_id}", token=token)


def test_hostile_text_from_citizen_agent_and_faq_is_inert(browser, web_gateway, hostile_faq) -> None:
    citizen_ctx = browser.new_context(locale="ar-SA")
    agent_ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    try:
        console = agent_console(agent_ctx, web_gateway.url, web_gateway.agent(3))
        console_dialogs = watch_for_scripts(console)
        citizen = open_widget(citizen_ctx, web_gateway.url)
        citizen_dialogs = watch_for_scripts(citizen)

        citizen_say(citizen, PAYLOAD)
        expect(citizen.locator(".msg.citizen .text", has_text="onerror")).to_have_count(1)
        wait_for_bot_turn(citizen, 2)
        ask_for_agent(citizen)
        cid = conversation_id(citizen)
        claim(console, cid)
        agent_reply(console, PAYLOAD)

        assert citizen.locator(".msg.citizen .text").first.text_content() == SHOWN
        agent_text = citizen.locator(".msg.agent .text")
        expect(agent_text).to_have_count(1)
        assert agent_text.text_content() == SHOWN
        assert_inert(citizen, "widget", citizen_dialogs)

        expect(console.locator("#transcript .entry.agent")).to_have_count(1)
        # Citizens' [label](url) links stay literal in the console: the agent sees where a link goes.
        assert console.locator("#transcript .entry.citizen .text").first.text_content() == PAYLOAD
        assert_inert(console, "#app-view", console_dialogs)

        # FAQ answer text, from an entry created through the editor API, shown by the console's search.
        console.get_by_label("كلمات البحث").fill("رمز اختبار الحقن زد زد زد")
        answer = console.locator("#faq-results .answer", has_text="onerror")
        for _ in range(30):  # the live index picks the new entry up within a few seconds
            console.get_by_role("button", name="بحث", exact=True).click()
            console.wait_for_function("() => !document.querySelector('#faq-results').textContent.includes('…')")
            if answer.count():
                break
            console.wait_for_timeout(1000)
        expect(answer.first).to_be_visible()
        assert answer.first.text_content() == SHOWN
        item = console.locator("#faq-results .faq-item", has_text="رمز اختبار الحقن").first
        item.get_by_role("button", name="إدراج في الرد").click()
        assert console.get_by_label("الرد على المواطن").input_value() == PAYLOAD
        assert_inert(console, "#app-view", console_dialogs)
    finally:
        citizen_ctx.close()
        agent_ctx.close()


def test_hostile_faq_answer_sent_by_the_bot_is_inert(context, web_gateway, hostile_faq) -> None:
    """The same entry answered by the real bot (editor API → store → action server's live index → Rasa)."""
    citizen = open_widget(context, web_gateway.url)
    dialogs = watch_for_scripts(citizen)
    answer = citizen.locator(".msg.bot .text", has_text="onerror")
    for attempt in range(8):  # the action server's live index follows the store within seconds
        citizen_say(citizen, HOSTILE_QUESTION)
        wait_for_bot_turn(citizen, 2 + attempt)
        if answer.count() or citizen.locator(".queue").is_visible():
            break
        citizen.wait_for_timeout(2000)
    expect(answer.first).to_be_visible()
    assert answer.first.text_content() == SHOWN
    assert_inert(citizen, "widget", dialogs)
