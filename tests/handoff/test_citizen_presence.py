"""What an agent's console is told about a held chat's citizen (issue 15, item 11): the citizen's number of
the day for a human label, and whether a page of the citizen is still open (``citizen_presence``)."""

from __future__ import annotations

import time

from tests.handoff.helpers import Client, Gw, msg_id


async def queued(gw: Gw) -> tuple[Client, str, str]:
    citizen, cid, token = await gw.citizen()
    await citizen.send(type="request_human", msg_id=msg_id())
    await citizen.wait_for(type="status", state="queued")
    return citizen, cid, token


async def test_citizens_are_numbered_per_day_and_keep_their_number(gw: Gw) -> None:
    agent = await gw.agent("noura", "نورة")
    _, first, _ = await queued(gw)
    _, second, _ = await queued(gw)
    items = {f["item"]["conversation_id"]: f["item"] for f in [await agent.wait_for(type="queue_added"),
                                                                await agent.wait_for(type="queue_added")]}
    assert (items[first]["day_no"], items[second]["day_no"]) == (1, 2)
    assert items[first]["created_at"].endswith("Z")
    await agent.send(type="claim", conversation_id=second, ref="c")
    conv = await agent.wait_for(type="conversation", ref="c")
    assert conv["day_no"] == 2 and conv["citizen_present"] is True


async def test_the_holding_agent_sees_the_citizen_leave_and_come_back(gw: Gw) -> None:
    agent = await gw.agent("noura", "نورة")
    citizen, cid, token = await queued(gw)
    await agent.send(type="claim", conversation_id=cid, ref="c")
    await agent.wait_for(type="conversation", ref="c")

    await citizen.close()  # the page closed
    gone = await agent.wait_for(type="citizen_presence")
    assert (gone["conversation_id"], gone["present"]) == (cid, False)
    await gw.gateway.sweep_citizen_presence()  # a beat from before the close does not bring them back
    back = await gw.ws("/ws/chat")
    await back.send(type="resume", conversation_id=cid, token=token, last_seq=0)
    assert (await agent.wait_for(type="citizen_presence"))["present"] is True
    assert [f["present"] for f in agent.frames if f["type"] == "citizen_presence"] == [False, True]


async def test_a_page_gone_silent_without_closing_is_shown_absent(gw: Gw) -> None:
    agent = await gw.agent("noura", "نورة")
    _citizen, cid, _ = await queued(gw)  # the socket stays open: a lost network, not a closed page
    await agent.send(type="claim", conversation_id=cid, ref="c")
    await agent.wait_for(type="conversation", ref="c")
    g = gw.gateway
    await g.redis.set(g.keys.citizen_seen(cid), f"{time.time() - g.citizen_window_s - 1:.3f}")
    await g.sweep_citizen_presence()
    assert (await agent.wait_for(type="citizen_presence"))["present"] is False
