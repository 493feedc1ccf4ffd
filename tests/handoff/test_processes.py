"""Real gateway processes (`python -m handoff`) sharing one Redis: crash recovery and cross-process chat."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from scripts import procs
from tests.handoff.helpers import ORIGIN, PASSWORD, Client, msg_id

pytestmark = pytest.mark.slow


def gateway_env(redis_url: str, redis_prefix: str, **extra: str) -> dict[str, str]:
    env = {
        "REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix, "RASA_URL": "http://127.0.0.1:9",
        "ALLOWED_ORIGINS": ORIGIN, "ENABLE_EDITOR": "false", "GREETING_PAYLOAD": "", "LOG_LEVEL": "INFO",
        "CITIZEN_RATE_BURST": "500",
    }
    env.update(extra)
    return env


# Every socket a test opened, closed at its teardown (Client.close: also one to a gateway the test killed).
_OPENED: list[Client] = []


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        try:
            yield session
        finally:
            while _OPENED:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(_OPENED.pop().close(), 5)


async def connect(http: aiohttp.ClientSession, base: str, path: str) -> Client:
    client = Client(await http.ws_connect(f"{base}{path}", headers={"Origin": ORIGIN}))
    _OPENED.append(client)
    return client


def add_agent(env: dict[str, str], username: str, name: str, role: str = "agent") -> None:
    subprocess.run(
        [sys.executable, "-m", "handoff", "users", "add", "--username", username, "--role", role,
         "--display-name", name, "--password-stdin"],
        input=PASSWORD + "\n", text=True, check=True, env=procs.base_env(**env), cwd=procs.ROOT,
        capture_output=True,
    )


async def agent_client(http: aiohttp.ClientSession, base: str, username: str) -> Client:
    async with http.post(f"{base}/api/login", json={"username": username, "password": PASSWORD}) as resp:
        assert resp.status == 200, await resp.text()
        token = (await resp.json())["token"]
    agent = await connect(http, base, "/ws/agent")
    await agent.send(type="auth", token=token)
    await agent.wait_for(type="auth_ok", within=10)
    return agent


async def ack_with_retries(client: Any, mid: str, within: float = 20.0) -> int:
    """The seq acked for `mid`, resending it (as the widget does) whenever it is refused as rate_limited."""
    loop = asyncio.get_running_loop()
    deadline, seen = loop.time() + within, 0
    while loop.time() < deadline:
        for frame in client.frames[seen:]:
            if frame.get("msg_id") == mid and frame.get("type") == "ack":
                return int(frame["seq"])
            if frame.get("msg_id") == mid and frame.get("code") == "rate_limited":
                await asyncio.sleep(0.3)
                await client.send(type="message", msg_id=mid, text=f"رسالة رقم {mid}")
        seen = len(client.frames)
        with contextlib.suppress(TimeoutError):
            await client.next(within=0.5)
    raise AssertionError(f"{mid} was never acked")


async def test_sigkill_mid_conversation_then_resume_loses_and_duplicates_nothing(
    gateway_factory: Any, http: aiohttp.ClientSession, redis_url: str, redis_prefix: str
) -> None:
    env = gateway_env(redis_url, redis_prefix)
    port = procs.free_port()
    gateway = gateway_factory(port=port, **env)
    citizen = await connect(http, gateway.url, "/ws/chat")
    await citizen.send(type="start")
    started = await citizen.wait_for(type="started")
    cid, token = started["conversation_id"], started["token"]
    acked: dict[str, int] = {}
    sent: list[str] = []

    async def send(count: int) -> None:
        for _ in range(count):
            mid = msg_id()
            await citizen.send(type="message", msg_id=mid, text=f"رسالة رقم {mid}")
            sent.append(mid)

    await send(10)
    for mid in sent:  # at most 5 inputs wait for the bot: the others are refused (rate_limited) and resent
        acked[mid] = await ack_with_retries(citizen, mid)
    await send(50)  # a burst on the wire ...
    gateway.kill()  # ... and the gateway dies while working through it
    with contextlib.suppress(Exception):
        while True:  # drain what was acked before the crash until the socket reports it
            frame = await citizen.next(within=5)
            if frame.get("type") == "ack":
                acked[frame["msg_id"]] = frame["seq"]
    assert len(sent) > len(acked), "the kill must land mid-stream"

    gateway.start()
    gateway.wait_healthy(timeout=60)
    again = await connect(http, gateway.url, "/ws/chat")
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=0)
    resumed = await again.wait_for(type="resumed", within=10)
    for mid in sent:  # the client resends everything it has no ack for, with the same msg_id
        if mid not in acked:
            await again.send(type="message", msg_id=mid, text=f"رسالة رقم {mid}")
            acked[mid] = await ack_with_retries(again, mid)
    for seq in range(1, len(sent) + 1):  # replay plus live echoes of the resent ones
        await again.wait_for(type="user_message", seq=seq, within=10)
    await again.send(type="ping")
    await again.wait_for(type="pong")
    await asyncio.sleep(0.3)  # a duplicate, if any, would arrive now
    with contextlib.suppress(TimeoutError):
        while True:
            await again.next(within=0.2)
    replayed = [f for f in again.frames if f.get("type") == "user_message"]
    ids = [f["msg_id"] for f in replayed]
    assert sorted(ids) == sorted(sent), "every message exactly once"
    assert [f["seq"] for f in replayed] == list(range(1, len(sent) + 1)), "no gap, no duplicate, in order"
    assert all(acked[f["msg_id"]] == f["seq"] for f in replayed), "acked seq is the stored seq"
    assert resumed["last_seq"] <= len(sent)


async def test_citizen_on_one_gateway_talks_with_agent_on_another(
    gateway_factory: Any, http: aiohttp.ClientSession, redis_url: str, redis_prefix: str
) -> None:
    env = gateway_env(redis_url, redis_prefix)
    add_agent(env, "remote", "فهد")
    gw_a, gw_b = gateway_factory(**env), gateway_factory(**env)
    agent = await agent_client(http, gw_b.url, "remote")
    await agent.wait_for(type="queue")
    citizen = await connect(http, gw_a.url, "/ws/chat")
    await citizen.send(type="start")
    cid = (await citizen.wait_for(type="started"))["conversation_id"]
    await citizen.send(type="message", msg_id="q1", text="عندي مشكلة في الإقامة")
    await citizen.send(type="request_human", msg_id="h1")
    await citizen.wait_for(type="status", state="queued")
    added = await agent.wait_for(type="queue_added", within=10)
    assert added["item"]["conversation_id"] == cid
    await agent.send(type="claim", conversation_id=cid, ref="c")
    await agent.wait_for(type="conversation", ref="c")
    await citizen.wait_for(type="status", state="with_agent")
    await agent.send(type="message", conversation_id=cid, msg_id="a1", text="أهلاً، أنا فهد")
    assert (await citizen.wait_for(type="agent_message", within=5))["text"] == "أهلاً، أنا فهد"
    await citizen.send(type="message", msg_id="q2", text="شكراً")
    while True:
        entry = (await agent.wait_for(type="entry", within=5))["entry"]
        if entry["type"] == "user_message" and entry["msg_id"] == "q2":
            break


async def test_vanished_agent_conversation_goes_back_to_the_queue(
    gateway_factory: Any, http: aiohttp.ClientSession, redis_url: str, redis_prefix: str
) -> None:
    env = gateway_env(redis_url, redis_prefix, AGENT_TIMEOUT_S="2")
    add_agent(env, "leaver", "سلمى")
    add_agent(env, "stayer", "هند")
    gateway = gateway_factory(**env)
    leaver = await agent_client(http, gateway.url, "leaver")
    stayer = await agent_client(http, gateway.url, "stayer")
    citizen = await connect(http, gateway.url, "/ws/chat")
    await citizen.send(type="start")
    cid = (await citizen.wait_for(type="started"))["conversation_id"]
    await citizen.send(type="request_human", msg_id="h1")
    await citizen.wait_for(type="status", state="queued")
    await leaver.send(type="claim", conversation_id=cid, ref="c")
    await leaver.wait_for(type="conversation", ref="c")
    await citizen.wait_for(type="status", state="with_agent")
    await leaver.ws.close()  # the agent's browser vanishes; no heartbeat any more

    async def keep_alive() -> None:  # the other agent's console: heartbeats, and reads (so pongs flow)
        while True:
            await stayer.send(type="heartbeat")
            with contextlib.suppress(TimeoutError):
                await stayer.next(within=0.5)

    beat = asyncio.create_task(keep_alive())
    try:
        back = await citizen.wait_for(type="status", state="queued", within=15)
        assert back["position"] == 1
        await asyncio.sleep(1)
    finally:
        beat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beat
    added = await stayer.wait_for(type="queue_added", within=5)
    assert added["item"]["conversation_id"] == cid
