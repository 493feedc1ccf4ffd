"""The gateway's analytics events (#14): what each citizen and agent action puts on the stream, masked."""

from __future__ import annotations

import json

from analytics import keys
from tests.handoff.helpers import Gw, msg_id
from tests.waiting import wait_for


async def _events(gw: Gw, at_least: int = 0) -> list[dict]:
    """The stream's events, once there are ``at_least`` (an event follows the frame the client waits for)."""
    stream = keys.stream(gw.gateway.settings.redis_prefix)

    async def enough() -> tuple[list, ...]:
        entries = await gw.gateway.redis.xrange(stream)
        return (entries,) if len(entries) >= at_least else ()  # a tuple: truthy even when no event is wanted
    [entries] = await wait_for(enough, within=30, what=f"{at_least} analytics events")
    return [json.loads(f[b"e"]) for _, f in entries]


async def test_start_carries_the_embedding_page_branch_and_service(gw: Gw) -> None:
    client = await gw.ws("/ws/chat")
    await client.send(type="start", locale="ar", branch="فرع الرياض", service="permits", page="/services/permits")
    cid = (await client.wait_for(type="started"))["conversation_id"]
    [started] = await _events(gw, 1)
    assert started["type"] == "conversation.started" and started["conversation_id"] == cid
    assert (started["branch"], started["service"], started["page"], started["channel"], started["language"]) == (
        "فرع الرياض", "permits", "/services/permits", "web", "ar")
    await gw.citizen()  # a page without data-branch: empty, recorded as unknown by the consumer
    assert (await _events(gw, 2))[-1]["branch"] == ""


async def test_claim_resolve_and_csat_are_emitted_with_the_comment_masked(gw: Gw) -> None:
    agent = await gw.agent("noura", "نورة")
    citizen, cid, _ = await gw.citizen()
    await citizen.send(type="request_human", msg_id=msg_id())
    await citizen.wait_for(type="status", state="queued")
    await agent.send(type="claim", conversation_id=cid, ref="r1")
    await agent.wait_for(type="conversation", ref="r1")
    await agent.send(type="resolve", conversation_id=cid, outcome="resolved", ref="r2")
    await agent.wait_for(type="ok", ref="r2")
    await citizen.wait_for(type="csat_request")
    await citizen.send(type="csat", msg_id="m-csat", score=1, comment="ما أحد رد علي، جوالي 0551234567")
    await citizen.wait_for(type="ack", msg_id="m-csat")
    events = [e for e in await _events(gw, 7) if e["conversation_id"] == cid]
    assert [e["type"] for e in events] == ["conversation.started", "handoff.requested", "handoff.claimed",
                                          "handoff.ended", "conversation.ended", "csat.submitted",
                                          "followup.created"]  # a CSAT of 1 (#14 item 4)
    by_type = {e["type"]: e for e in events}
    assert by_type["handoff.requested"]["reason"] == "user_request"
    assert by_type["handoff.claimed"]["agent"] == "noura" and by_type["handoff.claimed"]["wait_s"] >= 0
    assert by_type["handoff.ended"]["outcome"] == "resolved"
    csat = by_type["csat.submitted"]
    assert (csat["score"], csat["target"]) == (1, "agent")
    assert "0551234567" not in csat["comment"] and "[mobile]" in csat["comment"]


async def test_cancel_no_agents_and_leave_a_message(gw: Gw) -> None:
    citizen, cid, _ = await gw.citizen()
    await citizen.send(type="request_human", msg_id=msg_id())  # nobody online
    await citizen.wait_for(type="handoff_unavailable")
    await citizen.send(type="leave_message", msg_id="m-left", name="محمد", mobile="0551234567",
                       message="الموقع يعطيني خطأ، رقمي 0551234567")
    await citizen.wait_for(type="ack", msg_id="m-left")
    agent = await gw.agent("sara", "سارة")
    second, cid2, _ = await gw.citizen()
    await second.send(type="request_human", msg_id=msg_id())
    await second.wait_for(type="status", state="queued")
    await second.send(type="cancel_wait", msg_id=msg_id())
    await second.wait_for(type="status", state="bot")
    events = await _events(gw, 7)
    mine = [(e["type"], e.get("how") or e.get("reason")) for e in events if e["conversation_id"] == cid]
    assert mine == [("conversation.started", None), ("handoff.requested", "user_request"),
                    ("handoff.abandoned", "no_agents"), ("message.left", None)]
    left = next(e for e in events if e["type"] == "message.left")
    assert "0551234567" not in left["text"] and "محمد" not in json.dumps(left, ensure_ascii=False)
    theirs = [(e["type"], e.get("how")) for e in events if e["conversation_id"] == cid2]
    assert theirs[-1] == ("handoff.abandoned", "cancelled")
    assert agent is not None
