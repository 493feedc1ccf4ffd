"""One client cannot queue hundreds of bot turns (issue 13, item 10): a budget of pending bot inputs per
conversation, shared by all its sockets (and gateways: it lives in the atomic APPEND), and caps on sockets
per conversation and per client IP. A stand-in for Rasa (unit level) that never answers in time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handoff.citizen_ws import MAX_SOCKETS_PER_CONVERSATION
from handoff.conversations import pending_item
from handoff.lua import MAX_PENDING_BOT_INPUTS
from tests.handoff.helpers import ORIGIN, stand_in_rasa, start_gateway


@pytest.fixture
async def stuck_rasa() -> AsyncIterator[tuple[str, list[str]]]:
    asked: list[str] = []
    release = asyncio.Event()

    async def answer_late(body: dict[str, Any]) -> list[dict[str, Any]]:
        asked.append(body["message"])
        await release.wait()
        return [{"recipient_id": "x", "text": "ok"}]

    async with stand_in_rasa(answer_late) as url:
        yield url, asked
        release.set()


async def test_many_sockets_cannot_queue_more_than_the_budget(stuck_rasa: tuple[str, list[str]],
                                                              make_settings: Any) -> None:
    rasa_url, asked = stuck_rasa
    async for gw in start_gateway(make_settings(rasa_url=rasa_url, rasa_timeout_s=30.0, greeting_payload="")):
        first, cid, token = await gw.citizen()
        tabs = [first]
        for _ in range(MAX_SOCKETS_PER_CONVERSATION - 1):
            tab = await gw.ws("/ws/chat")
            await tab.send(type="resume", conversation_id=cid, token=token, last_seq=0)
            await tab.wait_for(type="resumed")
            tabs.append(tab)
        extra = await gw.ws("/ws/chat")
        await extra.send(type="resume", conversation_id=cid, token=token, last_seq=0)
        assert (await extra.wait_for(type="error"))["code"] == "too_many_connections"

        for i in range(4):
            for n, tab in enumerate(tabs):
                await tab.send(type="message", msg_id=f"m{n}-{i}", text=f"سؤال {n} {i}")
        for tab in tabs:  # read everything each tab received
            with contextlib.suppress(TimeoutError):
                while True:
                    await tab.next(within=1.0)
        replies = [f for n, tab in enumerate(tabs) for f in tab.frames
                   if f.get("type") in ("ack", "error") and str(f.get("msg_id", "")).startswith(f"m{n}-")]
        acked = sum(f["type"] == "ack" for f in replies)
        limited = sum(f["type"] == "error" and f["code"] == "rate_limited" for f in replies)
        assert len(replies) == 4 * len(tabs)  # every message got an answer: stored, or a retryable refusal
        assert acked == MAX_PENDING_BOT_INPUTS and limited == 4 * len(tabs) - MAX_PENDING_BOT_INPUTS
        assert await gw.gateway.redis.llen(gw.gateway.keys.pending(cid)) == MAX_PENDING_BOT_INPUTS
        assert len(asked) <= MAX_PENDING_BOT_INPUTS  # Rasa was asked no more than the budget


async def test_a_client_ip_has_a_socket_cap(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(citizen_max_sockets_per_ip=3)):
        for _ in range(3):
            await gw.ws("/ws/chat")
        ws = await gw.http.ws_connect(gw.url("/ws/chat"), origin=ORIGIN)
        frame = await ws.receive_json(timeout=5)
        assert frame["code"] == "too_many_connections"
        await ws.receive(timeout=5)
        assert ws.close_code == 1008


async def test_feedback_over_the_budget_is_rate_limited_not_a_wrong_target(stuck_rasa: tuple[str, list[str]],
                                                                            make_settings: Any) -> None:
    """FEEDBACK shares the budget check with APPEND: its refusal must read as rate_limited."""
    rasa_url, _asked = stuck_rasa
    async for gw in start_gateway(make_settings(rasa_url=rasa_url, rasa_timeout_s=30.0, greeting_payload="")):
        citizen, cid, _ = await gw.citizen()
        prompt = {"type": "bot_message", "text": "هل أفادتك الإجابة؟", "links": [],
                  "buttons": [{"title": "👍", "payload": "/feedback_positive"},
                              {"title": "👎", "payload": "/feedback_negative"}]}
        res = await gw.gateway.conversations.append(cid, prompt, offers=["/feedback_positive", "/feedback_negative"])
        for i in range(MAX_PENDING_BOT_INPUTS):
            await citizen.send(type="message", msg_id=f"m{i}", text=f"سؤال {i}")
            await citizen.wait_for(type="ack", msg_id=f"m{i}")
        await citizen.send(type="feedback", msg_id="f1", seq=res.seq, value="down")
        assert (await citizen.wait_for(type="error", msg_id="f1"))["code"] == "rate_limited"


async def test_inputs_left_pending_by_a_dead_turn_do_not_refuse_an_open_socket_for_good(make_settings: Any) -> None:
    """A turn that died with Redis (fail-over mid-turn) leaves its input on the pending list; with the
    socket still open no resume retries it, so the budget would refuse this conversation forever. The
    refusal itself starts the retry: the stale inputs are answered and the citizen's next send is acked."""
    asked: list[str] = []

    async def answer(body: dict[str, Any]) -> list[dict[str, Any]]:
        asked.append(body["message"])
        return [{"recipient_id": "x", "text": "تمت الإجابة"}]

    async with stand_in_rasa(answer) as rasa_url:
        settings = make_settings(rasa_url=rasa_url, rasa_timeout_s=1.0, greeting_payload="")
        async for gw in start_gateway(settings):
            citizen, cid, _ = await gw.citizen()
            stale = [json.dumps({**json.loads(pending_item(f"سؤال قديم {i}", f"old{i}")), "at": time.time() - 60},
                                ensure_ascii=False) for i in range(MAX_PENDING_BOT_INPUTS)]
            await gw.gateway.redis.rpush(gw.gateway.keys.pending(cid), *stale)
            await citizen.send(type="message", msg_id="new", text="سؤال جديد")
            assert (await citizen.wait_for(type="error", msg_id="new"))["code"] == "rate_limited"
            for _ in range(MAX_PENDING_BOT_INPUTS):
                await citizen.wait_for(type="bot_message", within=20)
            assert await gw.gateway.redis.llen(gw.gateway.keys.pending(cid)) == 0
            await citizen.send(type="message", msg_id="new", text="سؤال جديد")
            await citizen.wait_for(type="ack", msg_id="new", within=10)
            assert asked[:MAX_PENDING_BOT_INPUTS] == [f"سؤال قديم {i}" for i in range(MAX_PENDING_BOT_INPUTS)]
