"""Whole conversations through the real Rasa server, the real action server and the demo index (REST)."""

from __future__ import annotations

import pytest
from chatbot_harness import ANSWERS, ANSWERS_EN, QUESTIONS, Chat, buttons, handoff, texts, utter

pytestmark = pytest.mark.rasa

UNKNOWN_1 = "كيف اصلح تسريب ماء في المطبخ"
UNKNOWN_2 = "كم عدد الكواكب في المجموعة الشمسية"  # nothing in the ministry's corpus comes close
TRIVIA = "ما هي عاصمة فرنسا"  # small talk (knowledge_base/data/chitchat.yaml): told what the bot is for
VAGUE = "رخصة العمل"  # one topic, several entries: the knowledge base asks which one


@pytest.fixture
def chat(rasa_stack) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(rasa_stack.rasa_url)


def test_direct_answer_with_source_and_feedback_question(chat: Chat) -> None:
    replies = chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟")
    said = texts(replies)
    assert said == [ANSWERS["appointments-book"], utter("utter_ask_helpful")]  # the source is no message of its own
    (source,) = replies[0]["custom"]["links"]
    assert source["title"] == QUESTIONS["appointments-book"] and source["url"].startswith("https://")
    assert [b["payload"] for b in buttons(replies)] == ["/feedback_positive", "/feedback_negative"]
    assert handoff(replies) is None


def test_clarify_then_choose(chat: Chat) -> None:
    replies = chat.say(VAGUE)
    assert texts(replies) == [utter("utter_clarify")]
    options = buttons(replies)
    assert len(options) == 4 and options[-1] == {"title": "لا شيء مما سبق", "payload": "/clarify_none"}
    chosen = options[1]
    entry_id = next(i for i, q in QUESTIONS.items() if q == chosen["title"])
    assert texts(chat.say(chosen["payload"]))[0] == ANSWERS[entry_id]


def test_clarify_none_then_second_miss_hands_off(chat: Chat) -> None:
    chat.say(VAGUE)
    first = chat.say("/clarify_none")
    assert handoff(first) is None and texts(first) == [utter("utter_rephrase_after_none")]
    payload = handoff(chat.say(UNKNOWN_1))
    assert payload is not None and payload["reason"] == "repeated_miss"
    assert payload["summary"] == [VAGUE, UNKNOWN_1]


def test_typed_none_of_these_counts_as_a_miss(chat: Chat) -> None:
    chat.say(VAGUE)
    chat.say("ولا واحد منها")
    payload = handoff(chat.say(UNKNOWN_2))
    assert payload is not None and payload["reason"] == "repeated_miss"


HUMAN_REQUESTS = [
    "ابي اكلم موظف", "حولني على خدمة العملاء", "مابي بوت", "I want a real person", "ما فهمت عليك ابي احد يرد علي",
]


@pytest.mark.parametrize("text", HUMAN_REQUESTS)
def test_explicit_human_request(chat: Chat, text: str) -> None:
    replies = chat.say(text)
    payload = handoff(replies)
    assert payload is not None and payload["reason"] == "user_request"
    assert payload["summary"] == [text]
    assert utter("utter_handoff_en" if text.startswith("I ") else "utter_handoff") in texts(replies)


@pytest.mark.parametrize("text", ["كيف اقدم شكوى على موظف في الفرع", "هل يحق للموظف اجازة مرضية"])
def test_mentioning_an_employee_does_not_hand_off(chat: Chat, text: str) -> None:
    replies = chat.say(text)
    assert handoff(replies) is None
    assert texts(replies)[0] != utter("utter_handoff")


def test_small_talk_is_told_what_the_assistant_is_for(chat: Chat) -> None:
    replies = chat.say(TRIVIA)
    assert texts(replies) == [utter("utter_chitchat")] and handoff(replies) is None and not buttons(replies)


def test_low_confidence_offer_accepted(chat: Chat) -> None:
    replies = chat.say(UNKNOWN_1)
    assert texts(replies) == [utter("utter_no_answer")] and handoff(replies) is None
    payload = handoff(chat.say("/affirm"))
    assert payload is not None and payload["reason"] == "low_confidence"
    assert payload["summary"] == [UNKNOWN_1]


def test_two_unanswerable_questions_hand_off(chat: Chat) -> None:
    chat.say(UNKNOWN_1)
    payload = handoff(chat.say(UNKNOWN_2))
    assert payload is not None and payload["reason"] == "repeated_miss"


def test_negative_feedback_then_yes_hands_off(chat: Chat) -> None:
    chat.say("كيف أصدر بطاقة ذوي الإعاقة؟")
    sorry = chat.say("ما افادتني")
    assert texts(sorry) == [utter("utter_feedback_sorry")]
    payload = handoff(chat.say("ايه"))
    assert payload is not None and payload["reason"] == "negative_feedback"
    assert payload["topic"] == "بطاقة ذوي الإعاقة"


def test_negative_feedback_twice_hands_off(chat: Chat) -> None:
    chat.say("كيف أصدر بطاقة ذوي الإعاقة؟")
    chat.say("/feedback_negative")
    chat.say("/deny")
    chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟")
    payload = handoff(chat.say("/feedback_negative"))
    assert payload is not None and payload["reason"] == "negative_feedback"


def test_multi_turn_followup_answers_the_related_entry(chat: Chat) -> None:
    assert texts(chat.say("كيف أصدر بطاقة ذوي الإعاقة؟"))[0] == ANSWERS["disability-card-issue"]
    replies = chat.say("وكم رسومها؟")
    said = texts(replies)
    # Answered directly, or offered first when the index's thresholds ask for a confirmation.
    assert said[0] == ANSWERS["disability-card-fee"] or buttons(replies)[0]["title"] == QUESTIONS["disability-card-fee"]


def test_greet_thank_goodbye(chat: Chat) -> None:
    assert texts(chat.say("السلام عليكم")) == [utter("utter_greet")]
    chat.say("كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟")
    assert texts(chat.say("شكرا جزيلا")) == [utter("utter_welcome")]
    assert texts(chat.say("مع السلامة")) == [utter("utter_goodbye")]


def test_unrelated_sentence_is_not_taken_for_feedback(chat: Chat) -> None:
    said = texts(chat.say("وصفة كبسة دجاج"))
    assert utter("utter_feedback_thanks") not in said and utter("utter_welcome") not in said


def test_bot_challenge(chat: Chat) -> None:
    assert texts(chat.say("انت روبوت ولا انسان؟")) == [utter("utter_iamabot")]


def test_english_conversation(chat: Chat) -> None:
    assert texts(chat.say("hello")) == [utter("utter_greet_en")]
    replies = chat.say("How do I book an appointment at a branch?")
    said = texts(replies)
    # the entry's English version, its source inside the answer
    assert said[0] == ANSWERS_EN["appointments-book"] and said[1] == utter("utter_ask_helpful_en")
    assert replies[0]["custom"]["links"][0]["url"].startswith("https://")
    assert texts(chat.say("thank you")) == [utter("utter_welcome_en")]


def test_arabizi_question(chat: Chat) -> None:
    replies = chat.say("kaif a7jez maw3ed fi alfar3")
    said = texts(replies)
    # Answered, or offered first when the index asks for a confirmation; in Arabic (Arabizi writers read it).
    if said[0] == utter("utter_clarify"):
        assert buttons(replies)[0]["title"] == QUESTIONS["appointments-book"]
    else:
        assert said[0] == ANSWERS["appointments-book"] and said[-1] == utter("utter_ask_helpful")
