"""Redis out of memory (issue 13, item 3): an acked question whose reply cannot be stored stays pending and
is answered later; the citizen is told; /health notices that writes are refused (PING still answers).

A Redis of its own (real redis-server, tiny maxmemory, noeviction) so the shared one is never filled; a
stand-in for Rasa (unit level) that holds its reply until Redis is full.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from scripts import procs
from tests.handoff.helpers import stand_in_rasa, start_gateway


@pytest.fixture
def small_redis(tmp_path: Path) -> Iterator[str]:
    port = procs.free_port()
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--maxmemory", "4mb", "--maxmemory-policy", "noeviction", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    client.close()
    yield url
    proc.terminate()
    proc.wait(5)


@pytest.fixture
async def held_rasa() -> AsyncIterator[tuple[str, asyncio.Event]]:
    release = asyncio.Event()

    async def answer_when_released(_body: dict[str, Any]) -> list[dict[str, Any]]:
        await release.wait()
        return [{"recipient_id": "x", "text": "هذه إجابتك"}]

    async with stand_in_rasa(answer_when_released) as url:
        yield url, release
        release.set()


def _fill(url: str) -> redis.Redis:
    """Fill Redis until even a small write is refused (big values first, then ever smaller ones)."""
    client = redis.Redis.from_url(url)
    n = 0
    for size in (65536, 4096, 256, 16):
        while True:
            n += 1
            try:
                client.set(f"junk:{n}", b"x" * size)
            except redis.exceptions.OutOfMemoryError:
                break
    return client


def _empty(client: redis.Redis) -> None:
    for key in client.scan_iter("junk:*"):
        client.delete(key)


async def test_a_reply_that_cannot_be_stored_is_answered_after_redis_recovers(
    small_redis: str, held_rasa: tuple[str, asyncio.Event], make_settings: Any
) -> None:
    rasa_url, release = held_rasa
    settings = make_settings(redis_url=small_redis, rasa_url=rasa_url, rasa_timeout_s=1.0, greeting_payload="")
    async for gw in start_gateway(settings):
        citizen, cid, token = await gw.citizen()
        await citizen.send(type="message", msg_id="q1", text="كم رسوم رخصة العمل؟")
        await citizen.wait_for(type="ack", msg_id="q1")
        junk = await asyncio.to_thread(_fill, small_redis)
        async with gw.http.get(gw.url("/health")) as resp:
            assert resp.status == 503 and (await resp.json())["redis"] == "down"
        release.set()  # the reply arrives while Redis refuses writes
        err = await citizen.wait_for(type="error", within=10)
        assert err["code"] == "internal" and err["msg_id"] == "q1"
        assert await gw.gateway.redis.llen(gw.gateway.keys.pending(cid)) == 1  # not popped: still owed

        await asyncio.to_thread(_empty, junk)
        junk.close()
        async with gw.http.get(gw.url("/health")) as resp:
            assert (await resp.json())["redis"] == "ok"
        await asyncio.sleep(settings.rasa_timeout_s + 5.2)  # a pending turn is retried once older than a turn
        again = await gw.ws("/ws/chat")
        await again.send(type="resume", conversation_id=cid, token=token, last_seq=0)
        answer = await again.wait_for(type="bot_message", within=10)
        assert answer["text"] == "هذه إجابتك"
