"""A 👎 followed by leaving opens a follow-up task (#14 item 4): real gateway, real Redis, real websockets,
a stub Rasa that answers with the bot's own feedback prompt. Grace period 1 s; the reaper sweeps every 0.5 s."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from handoff.followups import task_id_for
from handoff.settings import Settings
from tests.handoff.helpers import Client, Gw, msg_id, start_gateway
from tests.handoff.test_feedback import ask, rasa  # noqa: F401 - the stub Rasa fixture

GRACE_S = 1


@pytest.fixture
async def bot(rasa: Any, make_settings: Any) -> AsyncIterator[Gw]:  # noqa: F811
    settings: Settings = make_settings(rasa_url=rasa[1], followup_leave_grace_s=GRACE_S, agent_timeout_s=2)
    async for gw in start_gateway(settings):
        yield gw


async def thumbs_down(gw: Gw) -> tuple[Client, str]:
    citizen, cid, _ = await gw.citizen()
    prompt = await ask(citizen)
    await citizen.send(type="feedback", msg_id="down", seq=prompt["seq"], value="down")
    await citizen.wait_for(type="ack", msg_id="down")
    return citizen, cid


async def task_within(gw: Gw, cid: str, seconds: float) -> dict[str, Any] | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        task = await gw.gateway.followups.get(task_id_for(cid))
        if task is not None:
            return task
        await asyncio.sleep(0.2)
    return None


async def test_a_thumbs_down_then_leaving_opens_a_task(bot: Gw) -> None:
    citizen, cid = await thumbs_down(bot)
    await citizen.close()
    task = await task_within(bot, cid, GRACE_S + 8)
    assert task is not None and task["trigger"] == "thumb_down_left" and task["status"] == "open"
    assert await bot.gateway.redis.zscore(bot.gateway.keys.followup_watch, cid) is None
    rows = await bot.gateway.redis.xrange(f"{bot.gateway.settings.redis_prefix}analytics:events")
    created = [json.loads(f[b"e"]) for _, f in rows]
    assert [e["trigger"] for e in created if e["conversation_id"] == cid and e["type"] == "followup.created"] == [
        "thumb_down_left"]


async def test_a_citizen_still_on_the_page_has_not_left(bot: Gw) -> None:
    citizen, cid = await thumbs_down(bot)
    assert await task_within(bot, cid, GRACE_S + 2.5) is None  # page open: the reaper keeps marking it here
    await citizen.close()
    assert await task_within(bot, cid, GRACE_S + 8) is not None


async def test_a_thumbs_down_then_a_person_takes_over_opens_no_task(bot: Gw) -> None:
    await bot.agent("lv-agent", "نورة")  # someone online, so the request queues
    citizen, cid = await thumbs_down(bot)
    await citizen.send(type="request_human", msg_id=msg_id())
    await citizen.wait_for(type="status", state="queued")
    await citizen.close()
    assert await task_within(bot, cid, GRACE_S + 2.5) is None
    assert await bot.gateway.redis.zscore(bot.gateway.keys.followup_watch, cid) is None
