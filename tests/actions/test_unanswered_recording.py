"""Failed questions reach the editors' unanswered stream in the real Redis (and failures there are silent)."""

from __future__ import annotations

import json

import pytest
import redis.asyncio as aioredis
from actions_harness import Conversation, FakeKB, responses

from actions.unanswered import UnansweredRecorder
from knowledge_base.faqs.keys import KbKeys


@pytest.fixture
def recording(kb: FakeKB, redis_url: str, redis_prefix: str, monkeypatch: pytest.MonkeyPatch) -> Conversation:
    monkeypatch.setenv("REDIS_PREFIX", redis_prefix)
    return Conversation(kb_getter=lambda: kb, recorder=UnansweredRecorder(redis_url), sender="conv-rec")


async def _records(redis_url: str, prefix: str) -> list[dict[str, str]]:
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        return [fields for _, fields in await client.xrange(KbKeys(prefix).unanswered)]
    finally:
        await client.aclose()


async def test_low_confidence_clarify_rejected_and_negative_feedback_are_recorded(
    recording: Conversation, kb: FakeKB, redis_url: str, redis_prefix: str
) -> None:
    kb.on("عندي سؤال عن البطاقة", "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    kb.on("كم رسوم البطاقة", "answer", ("card-fee", 0.9))
    await recording.say("كم سعر تذكرة الطيران", "ask_question")  # low confidence
    await recording.say("عندي سؤال عن البطاقة", "ask_question")
    await recording.say("/clarify_none", "clarify_none")  # second miss: handoff, and recorded
    await recording.say("كم رسوم البطاقة", "ask_question")
    await recording.say("ما افادتني", "feedback_negative")
    records = await _records(redis_url, redis_prefix)
    assert [(r["reason"], r["text"]) for r in records] == [
        ("low_confidence", "كم سعر تذكرة الطيران"),
        ("clarify_rejected", "عندي سؤال عن البطاقة"),
        ("negative_feedback", "كم رسوم البطاقة"),
    ]
    assert json.loads(records[1]["candidates"]) == ["card-issue", "card-fee", "card-docs"]
    assert all(r["conversation_id"] == "conv-rec" for r in records)
    await recording.recorder.close()


async def test_unreachable_redis_does_not_change_the_reply(conversation: Conversation) -> None:
    msgs = await conversation.say("كم سعر تذكرة الطيران", "ask_question")
    assert responses(msgs) == ["utter_no_answer"]


async def test_a_picked_option_is_learned_and_withdrawn_by_a_thumbs_down(
    recording: Conversation, kb: FakeKB, redis_url: str, redis_prefix: str
) -> None:
    """A citizen's choice among the options is evidence for the editors (knowledge_base.faqs.learning);
    👎 on that answer withdraws it."""
    kb.on("ابي اطلع بطاقة لولدي اول مرة", "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    await recording.say("ابي اطلع بطاقة لولدي اول مرة", "ask_question")
    await recording.say('/choose_faq{"faq_id": "card-issue"}', "choose_faq", faq_id="card-issue")
    await recording.say("ما افادتني", "feedback_negative")
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        rows = [fields for _, fields in await client.xrange(KbKeys(redis_prefix).learned)]
    finally:
        await client.aclose()
    assert [(r["kind"], r["entry_id"], r["text"], r["source"]) for r in rows] == [
        ("pick", "card-issue", "ابي اطلع بطاقة لولدي اول مرة", "citizen"),
        ("reject", "card-issue", "", "citizen"),
    ]
    assert all(r["conversation_id"] == "conv-rec" for r in rows)
    await recording.recorder.close()
