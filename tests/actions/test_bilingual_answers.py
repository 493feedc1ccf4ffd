"""English-reading citizens: the English version of an entry when it has one, else Arabic saying so; options
("هل تقصد") in the citizen's language; the widget's language choice (metadata `locale`) reaches the bot."""

from __future__ import annotations

from actions_harness import Conversation, FakeKB, responses, text_of

from actions.lang import reply_language


async def test_english_version_is_sent_to_an_english_reader(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("how do I renew the disability card", "answer", ("card-renew", 0.9))
    msgs = await conversation.say("how do I renew the disability card", "ask_question")
    assert responses(msgs) == [None, "utter_ask_helpful_en"]
    assert text_of(msgs[0]) == "Renew it on the platform before it expires."
    assert [link["title"] for link in msgs[0]["custom"]["links"]] == ["How do I renew the disability card?"]


async def test_arabic_reader_gets_arabic_even_when_english_exists(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("كيف أجدد بطاقة ذوي الإعاقة", "answer", ("card-renew", 0.9))
    msgs = await conversation.say("كيف أجدد بطاقة ذوي الإعاقة", "ask_question")
    assert text_of(msgs[0]) == "جدّدها من المنصة قبل انتهائها."
    assert responses(msgs)[1:] == ["utter_ask_helpful"]


async def test_options_are_titled_in_the_citizens_language(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("disability card please", "clarify", ("card-renew", 0.6), ("card-issue", 0.55))
    msgs = await conversation.say("disability card please", "ask_question", locale="en")
    titles = [b["title"] for b in msgs[0]["buttons"]]
    # card-renew has English; card-issue does not, so its Arabic question is the honest title
    assert titles == ["How do I renew the disability card?", "كيف أصدر بطاقة ذوي الإعاقة؟", "None of these"]
    assert msgs[0]["response"] == "utter_clarify_en"
    picked = await conversation.say('/choose_faq{"faq_id": "card-renew"}', "choose_faq", faq_id="card-renew",
                                    locale="en")
    assert text_of(picked[0]) == "Renew it on the platform before it expires."


async def test_widget_locale_decides_latin_text_the_words_cannot(conversation: Conversation, kb: FakeKB) -> None:
    kb.on("iqama renewal", "answer", ("card-renew", 0.9))
    arabic_widget = await conversation.say("iqama renewal", "ask_question", locale="ar")
    assert text_of(arabic_widget[0]) == "جدّدها من المنصة قبل انتهائها."
    english_widget = await conversation.say("iqama renewal", "ask_question", locale="en")
    assert text_of(english_widget[0]) == "Renew it on the platform before it expires."


def test_reply_language_rules() -> None:
    assert reply_language("iqama renewal", "ar", "en") == "en"
    assert reply_language("iqama renewal", "ar", None) == "ar"
    assert reply_language("تجديد الاقامة", "en", "en") == "ar"  # Arabic letters: Arabic, whatever the widget says
    assert reply_language("abi a3rf", "ar", "en") == "ar"  # Arabizi
    assert reply_language("/feedback_positive", "ar", "en") == "en"  # a button: the widget's language
    assert reply_language("how do I renew my permit", "ar", "ar") == "en"
