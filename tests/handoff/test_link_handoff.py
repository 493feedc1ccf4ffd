"""A handoff through the widget's always-visible "تحدث مع موظف" link (no bot turn) carries the topic and the
candidate FAQs of the conversation so far (issue 15, item 10): the assistant's latest ``custom.context`` is
kept with the conversation. A stand-in for Rasa (unit level) plays the action server's replies."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.handoff.helpers import Gw, msg_id, stand_in_rasa, start_gateway

CONTEXT = {"topic": "بطاقة ذوي الإعاقة", "candidates": [
    {"id": "card-fee", "question": "كم رسوم إصدار بطاقة ذوي الإعاقة؟", "score": 0.6471},
    {"id": "card-issue", "question": "كيف أصدر بطاقة ذوي الإعاقة؟", "score": "high"},  # malformed score
    {"question": "بلا معرّف"},  # no id: dropped
]}


@pytest.fixture
async def gw_with_context(make_settings: Any) -> AsyncIterator[Gw]:
    async def answer(body: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"recipient_id": body["sender"], "text": "هل تقصد:", "buttons": []},
                {"recipient_id": body["sender"], "custom": {"context": CONTEXT}}]

    async with stand_in_rasa(answer) as url:
        async for gw in start_gateway(make_settings(rasa_url=url)):
            yield gw


async def test_link_handoff_carries_the_last_topic_candidates_and_summary(gw_with_context: Gw) -> None:
    gw = gw_with_context
    agent = await gw.agent("noura", "نورة")
    citizen, cid, _ = await gw.citizen()
    await citizen.send(type="message", msg_id=msg_id(), text="كم تكلفة البطاقة للمقيم؟")
    bot = await citizen.wait_for(type="bot_message")
    assert bot["text"] == "هل تقصد:"  # the context message itself is never shown
    await citizen.send(type="request_human", msg_id=msg_id())
    await citizen.wait_for(type="status", state="queued")

    item = (await agent.wait_for(type="queue_added"))["item"]
    assert item["conversation_id"] == cid and item["topic"] == "بطاقة ذوي الإعاقة"
    assert item["candidates"] == [
        {"id": "card-fee", "question": "كم رسوم إصدار بطاقة ذوي الإعاقة؟", "score": 0.6471},
        {"id": "card-issue", "question": "كيف أصدر بطاقة ذوي الإعاقة؟", "score": 0.0},
    ]
    assert item["summary"] == ["كم تكلفة البطاقة للمقيم؟"]
    await agent.send(type="claim", conversation_id=cid, ref="r1")
    conv = await agent.wait_for(type="conversation", ref="r1")
    assert conv["handoff"]["topic"] == "بطاقة ذوي الإعاقة" and len(conv["handoff"]["candidates"]) == 2
    entries = [e["type"] for e in conv["entries"]]
    assert entries.count("bot_message") == 1


async def test_link_handoff_before_any_question_has_no_topic(gw: Gw) -> None:
    agent = await gw.agent("noura", "نورة")
    citizen, cid, _ = await gw.citizen()
    await citizen.send(type="request_human", msg_id=msg_id())
    item = (await agent.wait_for(type="queue_added"))["item"]
    assert (item["conversation_id"], item["topic"], item["candidates"]) == (cid, None, [])
