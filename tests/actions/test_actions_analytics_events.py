"""The action server's analytics events: one bot.decision per deciding turn (with FAQ ids, categories,
style, language), unanswered.recorded for a miss; nothing for turns that decide nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from actions_harness import CARD, Conversation, FakeKB, responses

from actions.unanswered import UnansweredRecorder
from analytics import keys
from analytics.emitter import Emitter


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    r = aioredis.from_url(redis_url)
    yield r
    await r.aclose()


async def _events(client: aioredis.Redis, prefix: str) -> list[dict]:
    return [json.loads(f[b"e"]) for _, f in await client.xrange(keys.stream(prefix))]


async def test_each_deciding_turn_emits_its_decision(kb: FakeKB, client: aioredis.Redis, redis_prefix: str) -> None:
    conv = Conversation(kb_getter=lambda: kb, recorder=UnansweredRecorder("redis://127.0.0.1:1/0", "faq:"),
                        sender="c_analytics1", emitter=Emitter(client, redis_prefix))
    kb.on("ابي اطلع بطاقة ذوي الاعاقة", "answer", ("card-issue", 0.91))
    kb.on("عندي سؤال عن البطاقة", "clarify", ("card-issue", 0.7), ("card-fee", 0.69), ("card-docs", 0.68))
    await conv.say("السلام عليكم", "greet")
    await conv.say("ابي اطلع بطاقة ذوي الاعاقة", "ask_question")
    await conv.say("عندي سؤال عن البطاقة", "ask_question")
    await conv.say("How much is a plane ticket", "ask_question")  # scripted default: a miss
    events = await _events(client, redis_prefix)
    decisions = [e for e in events if e["type"] == "bot.decision"]
    assert [d["decision"] for d in decisions] == ["chitchat", "answer", "clarify", "out_of_scope"]
    assert decisions[1]["faq_ids"] == ["card-issue"] and decisions[1]["categories"] == [CARD]
    assert decisions[1]["style"] == "gulf" and decisions[1]["language"] == "ar"
    assert decisions[2]["faq_ids"] == ["card-issue", "card-fee", "card-docs"] and decisions[2]["categories"] == [CARD]
    assert decisions[3]["style"] == "english" and decisions[3]["language"] == "en"
    assert [e["type"] for e in events].count("unanswered.recorded") == 1
    assert {e["conversation_id"] for e in events} == {"c_analytics1"}


async def test_a_second_miss_is_a_handoff_decision(kb: FakeKB, client: aioredis.Redis, redis_prefix: str) -> None:
    conv = Conversation(kb_getter=lambda: kb, recorder=UnansweredRecorder("redis://127.0.0.1:1/0", "faq:"),
                        sender="c_analytics2", emitter=Emitter(client, redis_prefix))
    await conv.say("كم سعر تذكرة الطيران", "ask_question")
    await conv.say("سؤال ثاني ما له جواب", "ask_question")
    decisions = [e["decision"] for e in await _events(client, redis_prefix) if e["type"] == "bot.decision"]
    assert decisions == ["out_of_scope", "handoff"]


async def test_a_dead_redis_changes_no_reply(conversation: Conversation, kb: FakeKB) -> None:
    dead = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    conversation.emitter = Emitter(dead, "x:", timeout_s=0.5)
    kb.on("كيف اطلع بطاقة ذوي الاعاقة", "answer", ("card-issue", 0.91))
    msgs = await conversation.say("كيف اطلع بطاقة ذوي الاعاقة", "ask_question")
    assert responses(msgs)[-1] == "utter_ask_helpful"
    assert conversation.emitter.dropped == 1
    await dead.aclose()
