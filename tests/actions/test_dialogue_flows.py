"""Multi-turn behaviour of the actions with the real rules and domain, a scripted knowledge base."""

from __future__ import annotations

import json

from actions_harness import Conversation, FakeKB, context_of, handoff_of, responses, text_of

from knowledge_base.engine.query import AnalysedQuery

Q_CARD = "كيف اطلع بطاقة ذوي الاعاقة"
Q_VAGUE = "عندي سؤال عن البطاقة"
Q_UNKNOWN = "كم سعر تذكرة الطيران"


async def test_answer_is_one_message_with_its_source_then_feedback_buttons(conversation: Conversation,
                                                                          kb: FakeKB) -> None:
    """#15 item 3: the answer and its source (titled with the FAQ question, not the raw URL) are one
    message, followed by the helpful? prompt; no separate "المصدر: https://…" message."""
    kb.on(Q_CARD, "answer", ("card-issue", 0.91), ("card-fee", 0.7))
    msgs = [m for m in await conversation.say(Q_CARD, "ask_question") if context_of([m]) is None]
    assert len(msgs) == 2
    assert msgs[0]["custom"] == {"text": "قدّم الطلب عبر المنصة.",
                                 "links": [{"title": "كيف أصدر بطاقة ذوي الإعاقة؟", "url": "https://example.gov.sa/card"}]}
    assert msgs[1]["response"] == "utter_ask_helpful"
    assert conversation.slots["last_entry_id"] == "card-issue"
    assert conversation.slots["last_category"] == "بطاقة ذوي الإعاقة"
    assert handoff_of(msgs) is None


async def test_only_https_links_are_sent(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("كم الرسوم", "answer", ("card-fee", 0.9))
    msgs = await conversation.say("كم الرسوم", "ask_question")
    assert [link["url"] for link in msgs[0]["custom"]["links"]] == ["https://example.gov.sa/card/fee"]


async def test_answer_without_a_link_is_plain_text(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("المستندات", "answer", ("card-docs", 0.9))
    msgs = await conversation.say("المستندات", "ask_question")
    assert msgs[0]["text"] == "التقرير الطبي والهوية." and not msgs[0].get("custom")
    assert responses(msgs) == [None, "utter_ask_helpful"]


async def test_clarify_offers_three_questions_and_none(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_VAGUE, "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68), ("complaint-employee", 0.5))
    msgs = await conversation.say(Q_VAGUE, "ask_question")
    assert responses(msgs) == ["utter_clarify"]
    buttons = msgs[0]["buttons"]
    assert [b["title"] for b in buttons] == [
        "كيف أصدر بطاقة ذوي الإعاقة؟", "كم رسوم إصدار بطاقة ذوي الإعاقة؟",
        "ما المستندات المطلوبة لبطاقة ذوي الإعاقة؟", "لا شيء مما سبق",
    ]
    assert buttons[1]["payload"].startswith("/choose_faq")
    assert json.loads(buttons[1]["payload"][len("/choose_faq"):]) == {"faq_id": "card-fee"}
    assert buttons[3]["payload"] == "/clarify_none"


async def test_choosing_a_clarification_answers_it(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_VAGUE, "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    await conversation.say(Q_VAGUE, "ask_question")
    msgs = await conversation.say('/choose_faq{"faq_id": "card-docs"}', "choose_faq", faq_id="card-docs")
    assert text_of(msgs[0]) == "التقرير الطبي والهوية."
    assert conversation.slots["last_entry_id"] == "card-docs"
    assert kb.calls == [Q_VAGUE]  # the choice is answered directly, not searched again


async def test_typed_ordinal_picks_the_option(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_VAGUE, "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    await conversation.say(Q_VAGUE, "ask_question")
    msgs = await conversation.say("الثاني", "choose_faq")
    assert text_of(msgs[0]) == "إصدار البطاقة مجاني."


async def test_clarify_none_then_second_miss_hands_off(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_VAGUE, "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    await conversation.say(Q_VAGUE, "ask_question")
    msgs = await conversation.say("/clarify_none", "clarify_none")
    assert responses(msgs) == ["utter_rephrase_after_none"] and handoff_of(msgs) is None
    msgs = await conversation.say(Q_UNKNOWN, "ask_question")
    payload = handoff_of(msgs)
    assert payload is not None and payload["reason"] == "repeated_miss"
    assert payload["summary"] == [Q_VAGUE, Q_UNKNOWN]
    assert responses(msgs)[:2] == ["utter_handoff_apology", "utter_handoff"]


async def test_low_confidence_offers_a_person_and_yes_hands_off(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_UNKNOWN, "handoff", ("complaint-employee", 0.3))
    msgs = await conversation.say(Q_UNKNOWN, "ask_question")
    assert responses(msgs) == ["utter_no_answer"] and handoff_of(msgs) is None
    msgs = await conversation.say("/affirm", "affirm")
    payload = handoff_of(msgs)
    assert payload is not None and payload["reason"] == "low_confidence"
    assert payload["candidates"] == [{"id": "complaint-employee", "question": "كيف أشتكي على موظف؟", "score": 0.3}]
    assert payload["topic"] == "الشكاوى"


async def test_low_confidence_then_rephrase_resets_after_an_answer(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_CARD, "answer", ("card-issue", 0.91))
    await conversation.say(Q_UNKNOWN, "ask_question")
    assert responses(await conversation.say("/deny", "deny")) == ["utter_ask_question"]
    await conversation.say(Q_CARD, "ask_question")
    msgs = await conversation.say(Q_UNKNOWN, "ask_question")  # a miss after an answer is a first miss again
    assert responses(msgs) == ["utter_no_answer"]


async def test_two_misses_in_a_row_hand_off(conversation: Conversation) -> None:
    await conversation.say(Q_UNKNOWN, "ask_question")
    msgs = await conversation.say("سؤال ثاني ما له جواب", "ask_question")
    payload = handoff_of(msgs)
    assert payload is not None and payload["reason"] == "repeated_miss"


async def test_negative_feedback_twice_hands_off(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_CARD, "answer", ("card-issue", 0.91))
    await conversation.say(Q_CARD, "ask_question")
    msgs = await conversation.say("/feedback_negative", "feedback_negative")
    assert responses(msgs) == ["utter_feedback_sorry"] and handoff_of(msgs) is None
    await conversation.say("/deny", "deny")
    await conversation.say(Q_CARD, "ask_question")
    msgs = await conversation.say("الاجابة غلط", "feedback_negative")
    payload = handoff_of(msgs)
    assert payload is not None and payload["reason"] == "negative_feedback"
    assert payload["topic"] == "بطاقة ذوي الإعاقة"


async def test_negative_feedback_after_clarification_hands_off_at_once(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_VAGUE, "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    await conversation.say(Q_VAGUE, "ask_question")
    await conversation.say('/choose_faq{"faq_id": "card-fee"}', "choose_faq", faq_id="card-fee")
    msgs = await conversation.say("لا", "deny")  # "no" to "was this helpful?"
    payload = handoff_of(msgs)
    assert payload is not None and payload["reason"] == "negative_feedback"


async def test_positive_feedback_thanks(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_CARD, "answer", ("card-issue", 0.91))
    await conversation.say(Q_CARD, "ask_question")
    assert responses(await conversation.say("نعم", "affirm")) == ["utter_feedback_thanks"]


async def test_request_human_hands_off_with_summary(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_CARD, "answer", ("card-issue", 0.91))
    await conversation.say(Q_CARD, "ask_question")
    await conversation.say("/feedback_positive", "feedback_positive")
    msgs = await conversation.say("ابي اكلم موظف", "request_human")
    assert responses(msgs) == ["utter_handoff", None]
    payload = handoff_of(msgs)
    assert payload == {
        "reason": "user_request", "topic": "بطاقة ذوي الإعاقة",
        "candidates": [{"id": "card-issue", "question": "كيف أصدر بطاقة ذوي الإعاقة؟", "score": 0.91}],
        "summary": [Q_CARD, "ابي اكلم موظف"],
    }


async def test_english_citizen_gets_english_responses(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("how do I get the disability card", "answer", ("card-issue", 0.9))
    assert responses(await conversation.say("hello", "greet")) == ["utter_greet_en"]
    msgs = await conversation.say("how do I get the disability card", "ask_question")
    # card-issue has no English version: the Arabic answer (one message, its source inside), introduced by a
    # sentence saying so in English
    assert responses(msgs) == ["utter_answer_arabic_only_en", None, "utter_ask_helpful_en"]
    assert text_of(msgs[1]) == "قدّم الطلب عبر المنصة."
    msgs = await conversation.say("/feedback_negative", "feedback_negative")  # a button keeps the language
    assert responses(msgs) == ["utter_feedback_sorry_en"]


async def test_arabizi_gets_arabic(conversation: Conversation) -> None:
    assert responses(await conversation.say("salam 3alaikum", "greet")) == ["utter_greet"]


async def test_smalltalk_responses(conversation: Conversation) -> None:
    for text, intent, response in [
        ("مع السلامة", "goodbye", "utter_goodbye"), ("شكرا", "thank", "utter_welcome"),
        ("انت روبوت؟", "bot_challenge", "utter_iamabot"), ("كيف حالك", "chitchat", "utter_chitchat"),
    ]:
        assert responses(await conversation.say(text, intent)) == [response]


async def test_greeting_with_a_question_greets_and_answers(conversation: Conversation, kb: FakeKB) -> None:
    text = "السلام عليكم ورحمة الله ابي اعرف كيف اطلع بطاقة ذوي الاعاقة"
    kb.on(text, "answer", ("card-issue", 0.9))
    msgs = await conversation.say(text, "greet")
    assert responses(msgs)[0] == "utter_greet"
    assert text_of(msgs[1]) == "قدّم الطلب عبر المنصة."


async def test_long_greeting_is_only_a_greeting(conversation: Conversation, kb: FakeKB) -> None:
    assert responses(await conversation.say("السلام عليكم ورحمة الله وبركاته", "greet")) == ["utter_greet"]
    assert kb.calls == []


async def test_question_mistaken_for_chitchat_is_searched(conversation: Conversation, kb: FakeKB) -> None:
    text = "Can foreigners do volunteer work in the kingdom?"
    kb.on(text, "answer", ("card-issue", 0.9))
    msgs = await conversation.say(text, "chitchat")
    assert msgs[0]["response"] == "utter_answer_arabic_only_en"  # an English question; card-issue is Arabic-only
    assert text_of(msgs[1]) == "قدّم الطلب عبر المنصة." and kb.calls == [text]


async def test_sentence_read_as_feedback_when_nothing_was_asked_is_searched(
    conversation: Conversation, kb: FakeKB
) -> None:
    text = "وصفة كبسة دجاج بالفرن"
    msgs = await conversation.say(text, "feedback_positive")
    assert kb.calls == [text] and responses(msgs) == ["utter_no_answer"]


async def test_feedback_after_an_answer_is_feedback(conversation: Conversation, kb: FakeKB) -> None:
    kb.on(Q_CARD, "answer", ("card-issue", 0.91))
    await conversation.say(Q_CARD, "ask_question")
    msgs = await conversation.say("الاجابة ممتازة وواضحة جدا", "feedback_positive")
    assert responses(msgs) == ["utter_feedback_thanks"] and kb.calls == [Q_CARD]


async def test_a_retried_input_gets_the_same_replies_and_counts_once(conversation: Conversation) -> None:
    """The gateway resends an input whose first attempt Rasa processed but the gateway never stored (it
    died): same replies, and the miss is not counted twice (two misses would hand off)."""
    first = await conversation.say(Q_UNKNOWN, "ask_question", input_id="m-1")
    again = await conversation.say(Q_UNKNOWN, "ask_question", input_id="m-1")
    assert responses(first) == responses(again) == ["utter_no_answer"] and handoff_of(again) is None
    assert conversation.slots["miss_streak"] == 1
    msgs = await conversation.say(Q_UNKNOWN, "ask_question", input_id="m-2")  # a new input: the second miss
    assert handoff_of(msgs) is not None


async def test_every_turn_without_a_handoff_tells_the_gateway_its_context(
    conversation: Conversation, kb: FakeKB
) -> None:
    # The widget's "تحدث مع موظف" link queues the conversation without a bot turn: the gateway fills that
    # handoff from the latest context (docs/handoff-payload.md, "Conversation context").
    kb.on(Q_VAGUE, "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    msgs = await conversation.say(Q_VAGUE, "ask_question")
    context = context_of(msgs)
    assert context is not None and context["topic"] == "بطاقة ذوي الإعاقة"
    assert [c["id"] for c in context["candidates"]] == ["card-issue", "card-fee", "card-docs"]
    assert context["candidates"][0] == {"id": "card-issue", "question": "كيف أصدر بطاقة ذوي الإعاقة؟", "score": 0.7}
    assert msgs[-1]["custom"] == {"context": context}  # after what the citizen sees

    handed = await conversation.say("ابي اكلم موظف", "request_human")
    assert handoff_of(handed) is not None and context_of(handed) is None


async def test_context_before_any_question_is_empty(conversation: Conversation) -> None:
    assert context_of(await conversation.say("السلام عليكم", "greet")) == {"topic": None, "candidates": []}


async def test_small_talk_the_kb_recognises_gets_the_small_talk_reply(conversation: Conversation, kb: FakeKB) -> None:
    """NLU may hear a question in a long chatty message; the knowledge base's word lists say it is small talk:
    the citizen is told what the assistant is for, not offered a person, and nothing is recorded unanswered."""
    from dataclasses import replace

    text = "وش رايك بالجو اليوم؟ ودي اطلع البر مع العيال"
    kb.on(text, "handoff", ("complaint-employee", 0.2))
    analysed = AnalysedQuery(text, [], [], False, False, small_talk=True)
    kb.script[text] = replace(kb.script[text], analysed=analysed)
    msgs = await conversation.say(text, "ask_question")
    assert responses(msgs) == ["utter_chitchat"] and handoff_of(msgs) is None
    assert conversation.slots.get("pending") is None
