"""Nobody stranded in the queue (issue 13, item 6): when the last agent is gone, or the wait is long, a
queued citizen is offered to leave a message — once per reason, however many gateways sweep."""

from __future__ import annotations

import asyncio
from typing import Any

from handoff.stranded import offer_alternatives, read_queue
from tests.handoff.helpers import start_gateway


async def test_queued_citizens_are_offered_a_message_when_the_last_agent_leaves(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(agent_timeout_s=2, long_wait_offer_s=3600)):
        agent = await gw.agent("leaving", "سارة")
        citizen, cid, _ = await gw.citizen()
        await citizen.send(type="request_human", msg_id="h1")
        await citizen.wait_for(type="status", state="queued")
        # an agent is online: keep waiting
        assert await offer_alternatives(gw.gateway, await read_queue(gw.gateway)) == 0
        await agent.close()  # the console closed without logging out
        offer = await citizen.wait_for(type="handoff_unavailable", within=15)  # the gateway's own sweep
        assert offer["reason"] == "no_agents"
        assert await offer_alternatives(gw.gateway, await read_queue(gw.gateway)) == 0  # once
        meta = await gw.gateway.conversations.get(cid)
        assert meta["state"] == "queued"  # still in the queue: an agent who comes back can take them


async def test_a_long_wait_is_offered_a_message_too(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(long_wait_offer_s=1, agent_timeout_s=60)):  # sweep every 12 s
        await gw.agent("present", "مها")
        citizen, _cid, _ = await gw.citizen()
        await citizen.send(type="request_human", msg_id="h1")
        await citizen.wait_for(type="status", state="queued")
        await asyncio.sleep(1.2)
        assert await offer_alternatives(gw.gateway, await read_queue(gw.gateway)) == 1
        assert (await citizen.wait_for(type="handoff_unavailable"))["reason"] == "long_wait"
        await citizen.send(type="leave_message", msg_id="l1", name="سارة", mobile="0551234567", message="اتصلوا بي",
                           callback=True)
        await citizen.wait_for(type="ack", msg_id="l1")
