"""Transferring a held chat to another online agent (issue 15, item 13): one TRANSITION script, so it
happens whole or not at all when it races a resolve, a requeue or another transfer."""

from __future__ import annotations

import asyncio
import time

from handoff.errors import ConversationError
from tests.handoff.helpers import Client, Gw, msg_id


async def held(gw: Gw, agent: Client) -> tuple[Client, str]:
    citizen, cid, _ = await gw.citizen()
    await citizen.send(type="request_human", msg_id=msg_id())
    await citizen.wait_for(type="status", state="queued")
    await agent.send(type="claim", conversation_id=cid, ref="claim")
    await agent.wait_for(type="conversation", ref="claim")
    return citizen, cid


async def test_transfer_moves_the_chat_and_the_citizen_is_told(gw: Gw) -> None:
    noura = await gw.agent("noura", "نورة")
    khalid = await gw.agent("khalid", "خالد")
    citizen, cid = await held(gw, noura)

    await noura.send(type="list_agents", ref="l")
    assert (await noura.wait_for(type="agents", ref="l"))["items"] == [{"username": "khalid", "display_name": "خالد"}]
    await noura.send(type="transfer", conversation_id=cid, to="khalid", ref="t")
    await noura.wait_for(type="ok", ref="t")
    assert (await noura.wait_for(type="released"))["reason"] == "reassigned"
    conv = await khalid.wait_for(type="conversation", conversation_id=cid)
    assert conv["transferred_from"] == "نورة" and conv["agent"] == "khalid" and conv["day_no"] == 1
    status = await citizen.wait_for(type="status", reason="transferred")
    assert (status["state"], status["agent_name"]) == ("with_agent", "خالد")

    # Khalid writes; Noura may not any more.
    await khalid.send(type="message", conversation_id=cid, msg_id="k-1", text="معك خالد")
    await khalid.wait_for(type="ack", msg_id="k-1")
    await noura.send(type="message", conversation_id=cid, msg_id="n-1", text="ما زلت هنا")
    assert (await noura.wait_for(type="error", msg_id="n-1"))["code"] == "not_assigned"
    g = gw.gateway
    assert await g.queue.assigned("khalid") == [cid] and await g.queue.assigned("noura") == []


async def test_transfer_refusals(gw: Gw) -> None:
    noura = await gw.agent("noura", "نورة")
    await gw.agent("reem", "ريم")
    _, cid = await held(gw, noura)
    await gw.gateway.accounts.add("fahad", "agent", "فهد", "correct horse battery")  # never connected
    for to, code in (("noura", "unknown_agent"), ("nobody", "unknown_agent"), ("fahad", "agent_offline")):
        await noura.send(type="transfer", conversation_id=cid, to=to, ref=to)
        assert (await noura.wait_for(type="error", ref=to))["code"] == code
    other = await gw.agent("khalid", "خالد")
    await other.send(type="transfer", conversation_id=cid, to="reem", ref="x")  # not his chat
    assert (await other.wait_for(type="error", ref="x"))["code"] == "not_assigned"
    assert await gw.gateway.queue.assigned("noura") == [cid]


async def test_racing_transfers_and_resolve_one_wins_whole(gw: Gw) -> None:
    noura = await gw.agent("noura", "نورة")
    await gw.agent("khalid", "خالد")
    await gw.agent("reem", "ريم")
    q, redis, keys = gw.gateway.queue, gw.gateway.redis, gw.gateway.keys
    for _ in range(5):
        _, cid = await held(gw, noura)
        results = await asyncio.gather(
            q.transfer(cid, "noura", "khalid", "خالد"), q.transfer(cid, "noura", "reem", "ريم"),
            q.resolve(cid, "noura", "resolved"), return_exceptions=True)
        won = [r for r in results if not isinstance(r, BaseException)]
        assert len(won) == 1, results
        assert all(isinstance(r, ConversationError) for r in results if isinstance(r, BaseException))
        meta = await gw.gateway.conversations.get(cid)
        holders = [a for a in ("noura", "khalid", "reem") if await redis.sismember(keys.agent_convs(a), cid)]
        if meta["state"] == "closed":
            assert holders == []
        else:
            assert meta["state"] == "with_agent" and holders == [meta["agent"]]
            await q.resolve(cid, meta["agent"], "resolved")


async def test_transfer_to_an_agent_gone_silent_is_refused_atomically(gw: Gw) -> None:
    noura = await gw.agent("noura", "نورة")
    khalid = await gw.agent("khalid", "خالد")
    _, cid = await held(gw, noura)
    await khalid.close()
    g = gw.gateway
    await asyncio.sleep(0.1)
    await g.redis.zadd(g.keys.presence, {"khalid": time.time() - g.settings.agent_timeout_s - 5})
    try:
        await g.queue.transfer(cid, "noura", "khalid", "خالد")
    except ConversationError as exc:
        assert exc.code == "target_offline"
    else:
        raise AssertionError("transferred to a silent agent")
    assert await g.queue.assigned("noura") == [cid] and await g.queue.assigned("khalid") == []
