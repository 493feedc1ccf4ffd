"""Bad input through the real stack: a sensible reply every time, and the bot keeps working afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from chatbot_harness import ANSWERS, Chat, buttons, handoff, texts, utter

pytestmark = pytest.mark.rasa


@pytest.fixture
def chat(rasa_stack) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(rasa_stack.rasa_url)


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "؟؟؟!!!", "..."])
def test_empty_or_symbols_only_ask_to_rephrase(chat: Chat, text: str) -> None:
    assert texts(chat.say(text)) == [utter("utter_ask_rephrase")]


def test_ten_thousand_characters_searches_the_beginning_and_says_so(chat: Chat) -> None:
    replies = chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟ " + "ب" * 10_000)
    said = texts(replies)
    assert said[0] == utter("utter_long_message")
    assert said[1] == ANSWERS["appointments-book"]
    assert handoff(replies) is None
    assert texts(chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟"))[0] == ANSWERS["appointments-book"]


@pytest.mark.parametrize(
    "text", ["<script>alert(document.cookie)</script><img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"]
)
def test_markup_only_asks_to_rephrase_and_is_not_echoed(chat: Chat, text: str) -> None:
    replies = chat.say(text)
    assert texts(replies) == [utter("utter_ask_rephrase")]
    assert not buttons(replies) and handoff(replies) is None


def test_sql_injection_is_out_of_scope_not_a_menu(chat: Chat) -> None:
    replies = chat.say("SELECT * FROM users; DROP TABLE faq;--")
    assert texts(replies) == [utter("utter_no_answer")]
    assert not any(b["payload"].startswith("/choose_faq") for b in buttons(replies))


def test_mixed_scripts_question_offers_the_right_entry(chat: Chat) -> None:
    replies = chat.say("كيف أحجز appointment في الفرع؟")
    offered = [b["payload"] for b in buttons(replies)]
    assert texts(replies)[0] == ANSWERS["appointments-book"] or any("appointments-book" in p for p in offered)


def test_bidi_override_does_not_change_the_answer(chat: Chat) -> None:
    """What the citizen sees (texts and options) is the same; scores may move a little."""
    def seen(replies: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        return texts(replies), [b["payload"] for b in buttons(replies)]

    plain = Chat(chat.rasa_url).say("كيف أحجز موعد")
    assert seen(chat.say("\u202eكيف أحجز موعد\u202c")) == seen(plain)
