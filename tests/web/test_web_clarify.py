"""The bot's "هل تقصد:" buttons clicked in real Chromium (real gateway, Rasa, action server and knowledge base):
the chosen FAQ entry is answered, and "لا شيء مما سبق" asks the citizen to rephrase instead of guessing.

The questions are Gulf-dialect phrasings that the real knowledge base answers with a `clarify` decision
(`python -m knowledge_base search --index var/index --json "..."`); the expected texts come from the corpus
and from chatbot/domain.yml, not from copies here."""

from __future__ import annotations

from functools import cache

import pytest
from playwright.sync_api import expect

from knowledge_base.engine.corpus import FaqEntry, load_corpus
from scripts import procs
from tests.web.conftest import shot
from tests.web.pages import bubbles, citizen_say, open_widget, response_text, responses, watch_for_scripts

pytestmark = [pytest.mark.browser, pytest.mark.rasa, pytest.mark.slow]

# "I want to know what happened to my social-security application": clarify, social-security-status offered.
CHOICE_QUESTION = "ابغى اعرف وش صار على طلب الضمان حقي"
CHOICE_ENTRY = "social-security-status"
# "I want to complain about my sponsor": clarify between complaint entries; the citizen rejects them all.
NONE_QUESTION = "ابي اشتكي على الكفيل"
BOT_TIMEOUT_MS = 30_000


@cache
def corpus() -> dict[str, FaqEntry]:
    return {e.id: e for e in load_corpus(procs.ROOT / "knowledge_base" / "corpus")}


def ask_and_get_options(page, question: str):
    """Type the question; return the "هل تقصد:" bubble and its buttons, checked against the corpus."""
    citizen_say(page, question)
    prompt = page.locator(".msg.bot", has=page.locator(".text", has_text=response_text("utter_clarify")))
    expect(prompt).to_be_visible(timeout=BOT_TIMEOUT_MS)
    chips = prompt.locator(".choices button.chip")
    titles = chips.all_inner_texts()
    questions = {e.question: e for e in corpus().values()}
    assert titles[-1] == response_text("utter_clarify_none_title"), titles
    assert 2 <= len(titles) - 1 <= 3, titles
    assert all(t in questions for t in titles[:-1]), f"options that are no FAQ question: {titles}"
    for i in range(len(titles)):
        expect(chips.nth(i)).to_be_enabled()
    return prompt, chips, [questions[t] for t in titles[:-1]]


def expect_spent(chips, chosen: str) -> None:
    """After one click every option of that prompt is disabled (the widget keeps them shown), the clicked
    one marked pressed."""
    for i in range(chips.count()):
        chip = chips.nth(i)
        expect(chip).to_be_disabled()
        if chip.inner_text() == chosen:
            expect(chip).to_have_attribute("aria-pressed", "true")
        else:
            expect(chip).not_to_have_attribute("aria-pressed", "true")


def test_choosing_a_did_you_mean_option_answers_that_faq(context, web_gateway) -> None:
    entry = corpus()[CHOICE_ENTRY]
    page = open_widget(context, web_gateway.url)
    dialogs = watch_for_scripts(page)

    prompt, chips, offered = ask_and_get_options(page, CHOICE_QUESTION)
    assert entry.id in [e.id for e in offered], f"{CHOICE_ENTRY} not offered for {CHOICE_QUESTION!r}: {offered}"
    shot(page, "widget-clarify-options")

    prompt.get_by_role("button", name=entry.question, exact=True).click()
    expect(page.locator(".msg.citizen", has_text=entry.question)).to_have_count(1)
    answer = page.locator(".msg.bot .text", has_text=entry.answer[:60])
    expect(answer).to_have_text(entry.answer, timeout=BOT_TIMEOUT_MS)
    expect(answer).to_have_count(1)
    # One bubble: the answer with its source, a link titled with the FAQ question (not the raw URL).
    bubble = page.locator(".msg.bot", has=page.locator(".text", has_text=entry.answer[:60]))
    expect(bubble.locator(".source").get_by_role("link", name=entry.question, exact=True)).to_have_attribute(
        "href", entry.links[0])
    assert "https://" not in bubble.inner_text()
    # The bot's "هل أفادتك الإجابة؟" follows, shown with 👍/👎 (tests/web/test_web_feedback.py).
    helpful = page.locator(".msg.bot", has=page.locator(".text", has_text=response_text("utter_ask_helpful")))
    expect(helpful.locator(".feedback").get_by_role("button", name="إجابة مفيدة", exact=True)).to_be_enabled()
    expect_spent(chips, entry.question)
    shot(page, "widget-clarify-answered")

    # Only the chosen entry was answered: no other offered entry's answer appears.
    texts = [text for role, text in bubbles(page) if role == "bot"]
    for other in offered:
        if other.id != entry.id:
            assert not any(other.answer in t for t in texts), f"{other.id} was answered too"
    # A disabled option sends nothing: clicking it again adds no citizen message.
    chips.first.click(force=True)
    page.wait_for_timeout(500)
    expect(page.locator(".msg.citizen")).to_have_count(2)
    assert dialogs == []


def test_none_of_these_asks_to_rephrase_without_answering_or_handing_off(context, web_gateway) -> None:
    none_title = response_text("utter_clarify_none_title")
    page = open_widget(context, web_gateway.url)

    prompt, chips, offered = ask_and_get_options(page, NONE_QUESTION)
    prompt.get_by_role("button", name=none_title, exact=True).click()

    expect(page.locator(".msg.citizen", has_text=none_title)).to_have_count(1)
    rephrase = page.locator(".msg.bot", has=page.locator(".text", has_text=response_text("utter_rephrase_after_none")))
    expect(rephrase).to_be_visible(timeout=BOT_TIMEOUT_MS)
    human_title = responses()["utter_rephrase_after_none"][0]["buttons"][0]["title"]
    expect(rephrase.get_by_role("button", name=human_title, exact=True)).to_be_enabled()
    expect_spent(chips, none_title)
    shot(page, "widget-clarify-none")

    # The bot guessed nothing and handed nothing off: no offered answer, no queue, the citizen can type again.
    texts = [text for role, text in bubbles(page) if role == "bot"]
    for entry in offered:
        assert not any(entry.answer in t for t in texts), f"{entry.id} was answered after 'none of these'"
    expect(page.locator(".queue")).to_be_hidden()
    expect(page.locator("#faq-input")).to_be_enabled()
