"""Leave-a-message: a resent frame (same ``msg_id``) is acked again and creates no second callback request.

The widget resends every unacked frame after a reconnect, so the same ``leave_message`` can arrive twice —
one after the other, or on two sockets (two gateway processes) at once while the first is still being
stored. Agents must see one request, once. Real Redis, real gateways on real ports, real websockets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from handoff.settings import Settings
from tests.handoff.helpers import Client, Gw, start_gateway

FRAME: dict[str, Any] = {"type": "leave_message", "name": "سارة", "mobile": "0551234567",
                         "message": "أحتاج موعداً لتجديد الجواز", "callback": True}


def counted(*gws: Gw) -> float:
    return sum(g.gateway.metrics.registry.get_sample_value("handoff_callbacks_total") or 0 for g in gws)


async def stored_callbacks(gw: Gw) -> tuple[list[dict[str, Any]], int]:
    """(every callback agents can list, entries of the callbacks index)."""
    return await gw.gateway.callbacks.list("all"), int(await gw.gateway.redis.zcard(gw.gateway.keys.callbacks))


async def settled(*clients: Client) -> None:
    """Every frame sent before is handled and any pub/sub notification it caused has been delivered."""
    for client in clients:
        await client.send(type="ping")
        await client.wait_for(type="pong")
    await asyncio.sleep(0.3)


def added(agent: Client) -> list[dict[str, Any]]:
    return [f["item"] for f in agent.frames if f["type"] == "callback_added"]


async def test_a_resent_leave_message_is_acked_again_and_creates_one_callback(gw: Gw) -> None:
    agent = await gw.agent("cb-resend", "وليد")
    citizen, cid, token = await gw.citizen()
    await citizen.send(msg_id="lm-1", **FRAME)
    first = await citizen.wait_for(type="ack", msg_id="lm-1")
    await citizen.send(msg_id="lm-1", **FRAME)  # the ack was lost: resent on the same socket
    assert (await citizen.wait_for(type="ack", msg_id="lm-1"))["seq"] == first["seq"]
    await citizen.close()
    again = await gw.ws("/ws/chat")  # ... and once more after a reconnect
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=0)
    await again.wait_for(type="resumed")
    await again.send(msg_id="lm-1", **FRAME)
    assert (await again.wait_for(type="ack", msg_id="lm-1"))["seq"] == first["seq"]
    await settled(again, agent)

    items, indexed = await stored_callbacks(gw)
    assert len(items) == 1 and indexed == 1
    assert [i["callback_id"] for i in added(agent)] == [items[0]["callback_id"]]
    assert counted(gw) == 1
    events = [e for e in await gw.gateway.conversations.entries(cid) if e.get("event") == "leave_message"]
    assert [e["seq"] for e in events] == [first["seq"]]


async def test_resends_racing_on_two_gateways_create_one_callback_each(gw: Gw, settings: Settings) -> None:
    async for second in start_gateway(settings):
        agent = await gw.agent("cb-race", "وليد")
        first, cid, token = await gw.citizen()
        other = await second.ws("/ws/chat")
        await other.send(type="resume", conversation_id=cid, token=token, last_seq=0)
        await other.wait_for(type="resumed")
        rounds = 8
        for round_ in range(rounds):
            mid = f"lm-race-{round_}"
            await asyncio.gather(first.send(msg_id=mid, **FRAME), other.send(msg_id=mid, **FRAME))
            acks = [await first.wait_for(type="ack", msg_id=mid), await other.wait_for(type="ack", msg_id=mid)]
            assert acks[0]["seq"] == acks[1]["seq"], acks
        await settled(first, other, agent)

        items, indexed = await stored_callbacks(gw)
        assert len(items) == rounds and indexed == rounds
        assert len(added(agent)) == rounds, "agents were told about one request more than once"
        assert counted(gw, second) == rounds


async def test_a_msg_id_the_conversation_already_stored_never_creates_a_callback(gw: Gw) -> None:
    """The resend is recognised by the conversation's dedupe, not by the callback record: that record can
    be gone (it expired, an operator removed it) while the conversation still remembers the msg_id."""
    citizen, _, _ = await gw.citizen()
    await citizen.send(msg_id="lm-2", **FRAME)
    ack = await citizen.wait_for(type="ack", msg_id="lm-2")
    (item,), _ = await stored_callbacks(gw)
    await gw.gateway.redis.delete(gw.gateway.keys.callback(item["callback_id"]))  # as if it had expired
    await citizen.send(msg_id="lm-2", **FRAME)
    assert (await citizen.wait_for(type="ack", msg_id="lm-2"))["seq"] == ack["seq"]

    await citizen.send(type="request_human", msg_id="h-1")  # another frame's msg_id, reused
    used = await citizen.wait_for(type="ack", msg_id="h-1")
    await citizen.send(msg_id="h-1", **FRAME)
    assert (await citizen.wait_for(type="ack", msg_id="h-1"))["seq"] == used["seq"]
    await settled(citizen)
    assert await stored_callbacks(gw) == ([], 0)
    assert counted(gw) == 1


async def test_a_callback_expires_with_its_conversation_as_of_its_creation(gw: Gw) -> None:
    citizen, cid, _ = await gw.citizen()
    await citizen.send(msg_id="lm-3", **FRAME)
    await citizen.wait_for(type="ack", msg_id="lm-3")
    (item,), _ = await stored_callbacks(gw)
    redis, keys = gw.gateway.redis, gw.gateway.keys
    conv_at = int(await redis.execute_command("PEXPIRETIME", keys.conv(cid)))
    assert int(await redis.execute_command("PEXPIRETIME", keys.callback(item["callback_id"]))) == conv_at
