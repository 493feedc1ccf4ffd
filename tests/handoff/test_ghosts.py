"""No ghosts in the queue (issue 13, item 7): a queued citizen who closed the page is shown absent to the
agents, does not hold back the citizens behind, and leaves the queue as abandoned after a while."""

from __future__ import annotations

from typing import Any

from tests.handoff.helpers import start_gateway


async def test_a_citizen_who_closed_the_tab_is_absent_then_abandoned(make_settings: Any) -> None:
    # Abandonment comes well after absence (~1.5 s) plus the 2 s position debounce, so the position frame
    # below is proven to come from the absent flag, not from the ghost having already left the queue.
    settings = make_settings(agent_timeout_s=2, citizen_absent_s=1, queue_abandon_s=7)
    async for gw in start_gateway(settings):
        agent = await gw.agent("watcher", "ريم")
        ghost, ghost_cid, _ = await gw.citizen()
        await ghost.send(type="request_human", msg_id="g1")
        await ghost.wait_for(type="status", state="queued")
        real, _real_cid, _ = await gw.citizen()
        await real.send(type="request_human", msg_id="r1")
        assert (await real.wait_for(type="status", state="queued"))["position"] == 2

        await ghost.close()  # the tab is closed; the conversation lives on in Redis
        while True:
            added = (await agent.wait_for(type="queue_added", within=10))["item"]
            if added["conversation_id"] == ghost_cid and added["present"] is False:
                break
        # A position-2 frame may come first (computed before the flag); what matters is that 1 comes while
        # the absent ghost is still in the queue: not behind a ghost.
        await real.wait_for(type="queue_position", position=1, within=10)
        assert (await gw.gateway.conversations.get(ghost_cid))["state"] == "queued"

        removed = await agent.wait_for(type="queue_removed", conversation_id=ghost_cid, within=20)
        assert removed["reason"] == "abandoned"
        meta = await gw.gateway.conversations.get(ghost_cid)
        assert meta["state"] == "closed" and meta["outcome"] == "abandoned"
        assert await gw.gateway.queue.length() == 1


async def test_a_citizen_back_on_the_page_is_present_again(make_settings: Any) -> None:
    settings = make_settings(agent_timeout_s=2, citizen_absent_s=1, queue_abandon_s=60)
    async for gw in start_gateway(settings):
        agent = await gw.agent("watcher2", "ريم")
        citizen, cid, token = await gw.citizen()
        await citizen.send(type="request_human", msg_id="g1")
        await citizen.wait_for(type="status", state="queued")
        await citizen.close()
        while (item := (await agent.wait_for(type="queue_added", within=10))["item"])["present"] is not False:
            pass
        back = await gw.ws("/ws/chat")
        await back.send(type="resume", conversation_id=cid, token=token, last_seq=0)
        await back.wait_for(type="resumed")
        while not (item := (await agent.wait_for(type="queue_added", within=10))["item"])["present"]:
            pass
        assert item["conversation_id"] == cid
