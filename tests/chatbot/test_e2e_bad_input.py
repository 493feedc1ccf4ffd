"""Bad input through the real stack: a sensible reply every time, and the bot keeps working afterwards."""

from __future__ import annotations

import pytest
from chatbot_harness import ANSWERS, Chat, handoff, texts, utter

pytestmark = pytest.mark.rasa


@pytest.fixture
def chat(rasa_stack) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(rasa_stack.rasa_url)


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "؟؟؟!!!", "..."])
def test_empty_or_symbols_only_ask_to_rephrase(chat: Chat, text: str) -> None:
    assert texts(chat.say(text)) == [utter("utter_ask_rephrase")]


def test_ten_thousand_characters(chat: Chat) -> None:
    replies = chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟ " + "ب" * 10_000)
    said = texts(replies)
    assert said, "no reply to a long message"
    assert said[0] == utter("utter_long_message") or handoff(replies) is not None or said[0] == utter("utter_no_answer")
    assert texts(chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟"))[0] == ANSWERS["appointments-book"]


def test_script_injection_is_not_echoed(chat: Chat) -> None:
    replies = chat.say("<script>alert(document.cookie)</script><img src=x onerror=alert(1)>")
    assert replies and all("<script" not in t and "onerror" not in t for t in texts(replies))


def test_mixed_scripts_question(chat: Chat) -> None:
    said = texts(chat.say("كيف أحجز appointment في الفرع؟"))
    assert said and said[0] != ""
