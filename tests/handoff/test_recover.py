"""A turn acked before a gateway crash is answered after a prompt resume, once, even with two gateways
(issue 13, item 4). A stand-in for Rasa (unit level) counts the turns it is asked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.handoff.helpers import stand_in_rasa, start_gateway


@pytest.fixture
async def counting_rasa() -> AsyncIterator[tuple[str, list[str]]]:
    asked: list[str] = []

    async def answer(body: dict[str, Any]) -> list[dict[str, Any]]:
        asked.append(body["message"])
        return [{"recipient_id": "x", "text": "هذه إجابتك"}]

    async with stand_in_rasa(answer) as url:
        yield url, asked


async def test_a_prompt_resume_gets_the_answer_once_from_one_of_two_gateways(
    counting_rasa: tuple[str, list[str]], make_settings: Any
) -> None:
    rasa_url, asked = counting_rasa
    settings = make_settings(rasa_url=rasa_url, rasa_timeout_s=1.0, greeting_payload="")
    async for gw1 in start_gateway(settings):
        async for gw2 in start_gateway(settings):
            citizen, cid, token = await gw1.citizen()
            await citizen.close()
            # Acked and pending, as a gateway leaves it when it dies before Rasa answers (just now, not long ago).
            await gw1.gateway.conversations.append(cid, {"type": "user_message", "msg_id": "m-lost", "text": "سؤالي",
                                                         "payload": None}, msg_id="m-lost", bot_input="سؤالي")
            tabs = [await gw1.ws("/ws/chat"), await gw2.ws("/ws/chat")]
            for tab in tabs:  # the widget resumes at once, in two tabs on two gateways
                await tab.send(type="resume", conversation_id=cid, token=token, last_seq=0)
            answers = [await tab.wait_for(type="bot_message", within=settings.rasa_timeout_s + 10) for tab in tabs]
            assert {a["text"] for a in answers} == {"هذه إجابتك"}
            await asyncio.sleep(1.0)
            assert asked == ["سؤالي"]  # one retry, not one per gateway
            tx = await gw1.gateway.redis.xrange(gw1.gateway.keys.transcript(cid))
            bot = [e for _id, f in tx if (e := json.loads(f[b"e"]))["type"] == "bot_message"]
            assert len(bot) == 1
            assert await gw1.gateway.redis.llen(gw1.gateway.keys.pending(cid)) == 0
