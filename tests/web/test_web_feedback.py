"""The "was this answer helpful?" question in real Chromium (real gateway, Rasa, action server, knowledge
base and Redis): after an answer the citizen is asked once — the bot's own prompt from chatbot/domain.yml,
shown with 👍/👎 — the choice is recorded by the gateway as a feedback event and answered by the bot, and it
cannot be sent again, not even after a reload. Expected texts come from chatbot/domain.yml, not copies here."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from handoff.keys import Keys
from tests.web.conftest import shot
from tests.web.pages import (
    citizen_say,
    conversation_id,
    open_widget,
    response_text,
    responses,
    watch_for_scripts,
)

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]

AR_QUESTION = "نسيت كلمة المرور فكيف أعيد تعيينها؟"  # accounts-password-reset: answered directly
EN_QUESTION = "How do I reset my password?"  # the same entry, asked in English
ANSWER_PART = "صفحة الدخول"  # from the corpus answer of accounts-password-reset
ANSWER_PART_EN = "on the sign-in page"  # from its English version (answer_en), which English readers get
BOT_TIMEOUT_MS = 30_000
FEEDBACK_PAYLOADS = {"/feedback_positive", "/feedback_negative"}


def bot_bubble(page, response: str):
    return page.locator(".msg.bot", has=page.locator(".text", has_text=response_text(response)))


def transcript(web_gateway, cid: str) -> list[dict]:
    client = web_gateway.redis()
    try:
        return [json.loads(fields["e"]) for _id, fields in client.xrange(Keys(web_gateway.prefix).transcript(cid))]
    finally:
        client.close()


def feedback_events(web_gateway, cid: str) -> list[dict]:
    return [e for e in transcript(web_gateway, cid) if e.get("type") == "event" and e.get("event") == "feedback"]


def wait_for_feedback_events(web_gateway, cid: str, count: int, timeout_s: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while True:
        events = feedback_events(web_gateway, cid)
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def expect_one_prompt(page, prompt_response: str, up: str, down: str) -> None:
    """One feedback prompt in the log: the bot's text with 👍/👎, no نعم/لا buttons, nothing on the answer."""
    prompt = bot_bubble(page, prompt_response)
    expect(prompt).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    expect(prompt.locator(".text")).to_have_text(response_text(prompt_response))
    expect(page.locator(".log .feedback")).to_have_count(1)
    expect(prompt.locator(".feedback")).to_have_count(1)
    expect(prompt.get_by_role("button", name=up, exact=True)).to_be_enabled()
    expect(prompt.get_by_role("button", name=down, exact=True)).to_be_enabled()
    expect(prompt.locator(".chip")).to_have_count(0)
    titles = {b["title"] for b in responses()[prompt_response][0]["buttons"]}
    for title in titles:
        expect(page.locator(".log").get_by_role("button", name=title, exact=True)).to_have_count(0)
    payloads = page.evaluate("""() => [...document.querySelector('#faq-widget').shadowRoot
                                 .querySelectorAll('.log [data-payload]')].map((b) => b.dataset.payload)""")
    assert not FEEDBACK_PAYLOADS & set(payloads), payloads
    # The widget's own "was it helpful?" row is gone: the answer itself carries no 👍/👎.
    expect(page.locator(".msg.bot", has_text=ANSWER_PART).locator(".feedback")).to_have_count(0)


def expect_spent(prompt, pressed: str, other: str) -> None:
    expect(prompt.get_by_role("button", name=pressed, exact=True)).to_have_attribute("aria-pressed", "true")
    expect(prompt.get_by_role("button", name=other, exact=True)).to_have_attribute("aria-pressed", "false")
    expect(prompt.get_by_role("button", name=pressed, exact=True)).to_be_disabled()
    expect(prompt.get_by_role("button", name=other, exact=True)).to_be_disabled()


def test_thumbs_down_is_asked_once_recorded_answered_and_spent(context, web_gateway) -> None:
    up, down = "إجابة مفيدة", "إجابة غير مفيدة"
    page = open_widget(context, web_gateway.url)
    dialogs = watch_for_scripts(page)

    citizen_say(page, AR_QUESTION)
    expect(page.locator(".msg.bot", has_text=ANSWER_PART)).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    expect_one_prompt(page, "utter_ask_helpful", up, down)
    shot(page, "widget-feedback-prompt")
    prompt = bot_bubble(page, "utter_ask_helpful")
    prompt_seq = int(prompt.get_attribute("data-seq"))
    cid = conversation_id(page)
    assert feedback_events(web_gateway, cid) == []

    prompt.get_by_role("button", name=down, exact=True).click()
    expect_spent(prompt, down, up)
    # Recorded by the gateway as a feedback event on the prompt …
    events = wait_for_feedback_events(web_gateway, cid, 1)
    assert [(e["value"], e["target_seq"]) for e in events] == [("down", prompt_seq)]
    # … forwarded to the bot once: it is sorry and offers a person (first 👎 on a direct answer).
    sorry = bot_bubble(page, "utter_feedback_sorry")
    expect(sorry).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    offer = responses()["utter_feedback_sorry"][0]["buttons"][0]["title"]
    expect(sorry.get_by_role("button", name=offer, exact=True)).to_be_enabled()
    # No citizen bubble for the choice (the event is not a message), no second prompt.
    expect(page.locator(".msg.citizen")).to_have_count(1)
    expect(page.locator(".log .feedback")).to_have_count(1)
    shot(page, "widget-feedback-down")

    # Spent: pressing either button again sends nothing.
    bots = page.locator(".msg.bot").count()
    prompt.get_by_role("button", name=up, exact=True).click(force=True)
    prompt.get_by_role("button", name=down, exact=True).click(force=True)
    page.wait_for_timeout(1000)
    assert len(feedback_events(web_gateway, cid)) == 1
    expect(page.locator(".msg.bot")).to_have_count(bots)

    # After a reload the prompt comes back from the transcript with the choice shown and still spent.
    page.reload()
    prompt = bot_bubble(page, "utter_ask_helpful")
    expect(prompt).to_have_count(1)
    expect(bot_bubble(page, "utter_feedback_sorry")).to_have_count(1)
    expect_spent(prompt, down, up)
    expect(page.locator(".log .feedback")).to_have_count(1)
    prompt.get_by_role("button", name=up, exact=True).click(force=True)
    page.wait_for_timeout(500)
    assert len(feedback_events(web_gateway, cid)) == 1
    assert dialogs == []


def test_english_prompt_thumbs_up(context, web_gateway) -> None:
    up, down = "Helpful answer", "Not helpful"
    page = open_widget(context, web_gateway.url)
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator(".root")).to_have_attribute("lang", "en")

    citizen_say(page, EN_QUESTION)
    expect(page.locator(".msg.bot", has_text=ANSWER_PART_EN)).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    expect(page.locator(".msg.bot", has_text=ANSWER_PART)).to_have_count(0)
    expect_one_prompt(page, "utter_ask_helpful_en", up, down)
    prompt = bot_bubble(page, "utter_ask_helpful_en")
    prompt_seq = int(prompt.get_attribute("data-seq"))
    cid = conversation_id(page)

    prompt.get_by_role("button", name=up, exact=True).click()
    expect_spent(prompt, up, down)
    events = wait_for_feedback_events(web_gateway, cid, 1)
    assert [(e["value"], e["target_seq"]) for e in events] == [("up", prompt_seq)]
    expect(bot_bubble(page, "utter_feedback_thanks_en")).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    expect(page.locator(".log .feedback")).to_have_count(1)
    shot(page, "widget-feedback-en")

    # The Arabic UI labels the same control in Arabic; the choice stays.
    page.get_by_role("button", name="التحويل إلى العربية").click()
    expect_spent(prompt, "إجابة مفيدة", "إجابة غير مفيدة")



def test_choice_not_yet_acknowledged_at_a_reload_is_shown_and_sent_once(context, web_gateway) -> None:
    """A 👍 the gateway never received (the page's socket loses it) stays chosen over a reload, from the
    outbox in sessionStorage, and is sent again once the connection works: recorded once, answered once."""
    up, down = "إجابة مفيدة", "إجابة غير مفيدة"
    hold = {"feedback": True}

    def relay(ws) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda m: None if hold["feedback"] and '"feedback"' in str(m) else server.send(m))

    context.route_web_socket(re.compile(r"/ws/chat$"), relay)
    page = open_widget(context, web_gateway.url)
    citizen_say(page, AR_QUESTION)
    prompt = bot_bubble(page, "utter_ask_helpful")
    expect(prompt).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    prompt_seq = int(prompt.get_attribute("data-seq"))
    cid = conversation_id(page)

    prompt.get_by_role("button", name=up, exact=True).click()
    expect_spent(prompt, up, down)
    page.wait_for_timeout(500)
    assert feedback_events(web_gateway, cid) == []  # lost on the way: not acknowledged

    page.reload()  # the frame is resent on resume, and lost again
    prompt = bot_bubble(page, "utter_ask_helpful")
    expect(prompt).to_have_count(1)
    expect_spent(prompt, up, down)  # from the outbox: the transcript has no feedback event
    page.wait_for_timeout(500)
    assert feedback_events(web_gateway, cid) == []

    hold["feedback"] = False
    page.reload()
    prompt = bot_bubble(page, "utter_ask_helpful")
    expect(bot_bubble(page, "utter_feedback_thanks")).to_have_count(1, timeout=BOT_TIMEOUT_MS)
    expect_spent(prompt, up, down)
    events = wait_for_feedback_events(web_gateway, cid, 1)
    assert [(e["value"], e["target_seq"]) for e in events] == [("up", prompt_seq)]
    page.wait_for_timeout(500)
    assert len(feedback_events(web_gateway, cid)) == 1
    expect(page.locator(".log .feedback")).to_have_count(1)
