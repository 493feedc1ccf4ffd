"""Abuse limits of the citizen socket: new conversations per client IP, and sockets that never start."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import WSMsgType

from handoff.citizen_ws import HANDSHAKE_TIMEOUT_CLOSE
from tests.handoff.helpers import Client, Gw, start_gateway


async def start(gw: Gw, forwarded: str | None = None) -> dict[str, Any]:
    """Open a socket, send start; the started frame or the error frame."""
    client = await gw.ws("/ws/chat", headers={"X-Forwarded-For": forwarded} if forwarded else None)
    await client.send(type="start", locale="ar")
    while True:
        frame = await client.next()
        if frame["type"] in ("started", "error"):
            return frame


async def conversations(gw: Gw) -> int:
    return len([k async for k in gw.gateway.redis.scan_iter(match=gw.gateway.keys.conv("*"), count=1000)])


async def test_one_address_cannot_start_endless_conversations_on_any_process(make_settings: Any) -> None:
    settings = make_settings(citizen_new_conversations_per_hour=3)
    async for one in start_gateway(settings):
        async for two in start_gateway(settings):  # a second gateway process on the same Redis
            assert [(await start(g))["type"] for g in (one, two, one)] == ["started"] * 3
            refused = await start(two)
            assert refused["code"] == "too_many_conversations" and "retry in" in refused["message"]
            assert await conversations(one) == 3


async def test_concurrent_starts_cannot_overshoot_the_limit(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(citizen_new_conversations_per_hour=4)):
        frames = await asyncio.gather(*(start(gw) for _ in range(12)))
        assert sorted(f["type"] for f in frames).count("started") == 4
        assert {f.get("code") for f in frames if f["type"] == "error"} == {"too_many_conversations"}
        assert await conversations(gw) == 4


async def test_resume_still_works_for_an_address_over_the_limit(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(citizen_new_conversations_per_hour=1)):
        _, cid, token = await gw.citizen()
        assert (await start(gw))["code"] == "too_many_conversations"
        again = await gw.ws("/ws/chat")
        await again.send(type="resume", conversation_id=cid, token=token, last_seq=0)
        assert (await again.wait_for(type="resumed"))["conversation_id"] == cid


async def test_the_limit_follows_trust_proxy_like_login_throttling(make_settings: Any) -> None:
    # Behind the proxy the last X-Forwarded-For entry is the client; what comes before it is forgeable.
    async for gw in start_gateway(make_settings(citizen_new_conversations_per_hour=1, trust_proxy=True)):
        assert (await start(gw, "198.51.100.1, 203.0.113.7"))["type"] == "started"
        assert (await start(gw, "198.51.100.2, 203.0.113.7"))["code"] == "too_many_conversations"
        assert (await start(gw, "198.51.100.1, 203.0.113.8"))["type"] == "started"
    async for gw in start_gateway(make_settings(citizen_new_conversations_per_hour=1, trust_proxy=False)):
        # Without a trusted proxy the header is the client's own claim: ignored.
        assert (await start(gw, "203.0.113.7"))["type"] == "started"
        assert (await start(gw, "203.0.113.8"))["code"] == "too_many_conversations"


async def closed_with(client: Client, within: float) -> int | None:
    while True:
        msg = await asyncio.wait_for(client.ws.receive(), within)
        if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return client.ws.close_code


async def test_a_socket_that_never_starts_is_closed_after_the_handshake_timeout(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(citizen_handshake_timeout_s=0.5)):
        idle = await gw.ws("/ws/chat")
        await idle.send(type="ping")  # pings alone do not keep an unstarted socket open
        assert await closed_with(idle, 5) == HANDSHAKE_TIMEOUT_CLOSE

        started, _, _ = await gw.citizen()
        await asyncio.sleep(1.0)
        await started.send(type="ping")
        assert (await started.wait_for(type="pong"))["type"] == "pong"


async def test_a_refused_start_does_not_keep_the_socket_open(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(citizen_new_conversations_per_hour=1,
                                                citizen_handshake_timeout_s=0.5)):
        await gw.citizen()
        client = await gw.ws("/ws/chat")
        await client.send(type="start")
        assert (await client.wait_for(type="error"))["code"] == "too_many_conversations"
        assert await closed_with(client, 5) == HANDSHAKE_TIMEOUT_CLOSE
