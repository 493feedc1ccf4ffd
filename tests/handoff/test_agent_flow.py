"""Citizen ↔ agent: handoff, queue, atomic claim, chat both ways, resolve → CSAT, return to bot."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from handoff.protocol import HandoffPacket
from tests.handoff.helpers import Client, Gw, msg_id, start_gateway


def packet(reason: str = "low_confidence") -> HandoffPacket:
    candidates = [{"id": "p1", "question": "تجديد الجواز", "score": 0.4}]
    return {"reason": reason, "topic": "passports", "candidates": candidates,
            "summary": ["أبي أجدد جوازي"], "requested_at": "2026-11-25T10:00:00Z"}


async def queued_citizen(gw: Gw) -> tuple[Client, str]:
    citizen, cid, _ = await gw.citizen()
    await citizen.send(type="message", msg_id=msg_id(), text="أبي أجدد جوازي")
    await citizen.send(type="request_human", msg_id=msg_id())
    await citizen.wait_for(type="status", state="queued")
    return citizen, cid


async def test_full_flow_handoff_claim_chat_resolve_csat(gw: Gw) -> None:
    agent = await gw.agent("noura", "نورة")
    citizen, cid = await queued_citizen(gw)
    added = await agent.wait_for(type="queue_added")
    assert added["item"]["conversation_id"] == cid
    assert added["item"]["summary"] == ["أبي أجدد جوازي"]

    await agent.send(type="claim", conversation_id=cid, ref="r1")
    conv = await agent.wait_for(type="conversation", ref="r1")
    assert [e["type"] for e in conv["entries"]][:2] == ["user_message", "event"]
    assert conv["handoff"]["reason"] == "user_request"
    status = await citizen.wait_for(type="status", state="with_agent")
    assert status["agent_name"] == "نورة"

    await agent.send(type="typing", conversation_id=cid, active=True)
    await citizen.wait_for(type="typing", active=True, **{"from": "agent"})
    await agent.send(type="message", conversation_id=cid, msg_id="a-1", text="مرحباً، كيف أخدمك؟")
    await agent.wait_for(type="ack", msg_id="a-1")
    reply = await citizen.wait_for(type="agent_message")
    assert reply["text"] == "مرحباً، كيف أخدمك؟" and reply["agent_name"] == "نورة"

    await citizen.send(type="typing", active=True)
    typing = await agent.wait_for(type="typing")
    assert (typing["conversation_id"], typing["from"], typing["active"]) == (cid, "citizen", True)
    await citizen.send(type="message", msg_id="c-9", text="شكراً جزيلاً")
    seen = await agent.wait_for(type="entry")
    while seen["entry"]["type"] != "user_message":
        seen = await agent.wait_for(type="entry")
    assert seen["conversation_id"] == cid and seen["entry"]["text"] == "شكراً جزيلاً"

    await agent.send(type="resolve", conversation_id=cid, outcome="resolved", ref="r2")
    await agent.wait_for(type="ok", ref="r2")
    await agent.wait_for(type="released", conversation_id=cid)
    await citizen.wait_for(type="status", state="closed")
    await citizen.wait_for(type="csat_request")
    await citizen.send(type="csat", msg_id="csat-1", score=5, comment="ممتاز")
    await citizen.wait_for(type="ack", msg_id="csat-1")
    await citizen.send(type="csat", msg_id="csat-2", score=1)
    assert (await citizen.wait_for(type="error", msg_id="csat-2"))["code"] == "wrong_state"  # one answer only
    assert (await gw.gateway.csat.summary())["by_score"]["5"] == 1
    await citizen.send(type="message", msg_id="after", text="مرحبا؟")
    assert (await citizen.wait_for(type="error", msg_id="after"))["code"] == "closed"


@pytest.mark.parametrize("rounds", [100])
async def test_two_agents_claiming_at_once_exactly_one_wins(gw: Gw, rounds: int) -> None:
    cids = []
    for _ in range(rounds):
        cid, _ = await gw.gateway.conversations.create()
        await gw.gateway.queue.enqueue(cid, packet())
        cids.append(cid)
    # The consoles connect once the queue is filled: a socket left unread meanwhile (a slow machine) would
    # miss its ping deadline or overflow its backlog, and the gateway rightly closes it.
    first, second = await gw.agent("agent1", "أحمد"), await gw.agent("agent2", "سارة")
    for i, cid in enumerate(cids):
        await asyncio.gather(first.send(type="claim", conversation_id=cid, ref=f"a{i}"),
                             second.send(type="claim", conversation_id=cid, ref=f"b{i}"))
    winners = 0
    for i, cid in enumerate(cids):
        answers = [await first.wait_for(ref=f"a{i}"), await second.wait_for(ref=f"b{i}")]
        kinds = sorted(a["type"] for a in answers)
        assert kinds == ["conversation", "error"], answers
        loser = next(a for a in answers if a["type"] == "error")
        assert loser["code"] == "already_claimed"
        meta = await gw.gateway.conversations.get(cid)
        assert meta["state"] == "with_agent" and meta["agent"] in {"agent1", "agent2"}
        winners += 1
    assert winners == rounds
    assert await gw.gateway.queue.length() == 0


async def test_claim_race_at_the_store_level(gw: Gw) -> None:
    """Same race without sockets: many concurrent claims, one winner each time."""
    for _ in range(100):
        cid, _ = await gw.gateway.conversations.create()
        await gw.gateway.queue.enqueue(cid, packet())
        results = await asyncio.gather(
            *(gw.gateway.queue.claim(cid, f"u{i}", f"U{i}") for i in range(4)), return_exceptions=True
        )
        assert sum(not isinstance(r, Exception) for r in results) == 1


async def test_agent_holds_several_conversations_and_returns_one_to_the_bot(gw: Gw) -> None:
    agent = await gw.agent("multi", "خالد")
    (c1, cid1), (c2, cid2) = await queued_citizen(gw), await queued_citizen(gw)
    for cid in (cid1, cid2):
        await agent.send(type="claim", conversation_id=cid, ref=cid)
        await agent.wait_for(type="conversation", ref=cid)
    await agent.send(type="message", conversation_id=cid2, msg_id="a-2", text="للمحادثة الثانية")
    assert (await c2.wait_for(type="agent_message"))["text"] == "للمحادثة الثانية"
    await agent.send(type="return_to_bot", conversation_id=cid1, ref="back")
    await agent.wait_for(type="ok", ref="back")
    back = await c1.wait_for(type="status", state="bot")
    assert back["reason"] == "returned_by_agent"
    await agent.send(type="message", conversation_id=cid1, msg_id="a-3", text="متأخر")
    assert (await agent.wait_for(type="error"))["code"] == "not_assigned"
    assert not [f for f in c1.frames if f.get("type") == "agent_message"]


async def test_cancel_wait_returns_to_the_bot_and_leaves_the_queue(gw: Gw) -> None:
    agent = await gw.agent("watcher", "منى")
    citizen, cid = await queued_citizen(gw)
    await agent.wait_for(type="queue_added")
    await citizen.send(type="cancel_wait", msg_id="cw-1")
    await citizen.wait_for(type="ack", msg_id="cw-1")
    assert (await citizen.wait_for(type="status", state="bot"))["reason"] == "cancel_wait"
    removed = await agent.wait_for(type="queue_removed")
    assert removed == {"type": "queue_removed", "conversation_id": cid, "reason": "cancelled"}
    await agent.send(type="claim", conversation_id=cid, ref="late")
    assert (await agent.wait_for(type="error", ref="late"))["code"] == "not_queued"


async def test_agent_socket_needs_a_valid_token_and_role(gw: Gw) -> None:
    bad = await gw.ws("/ws/agent")
    await bad.send(type="get_queue")
    assert (await bad.wait_for(type="error"))["code"] == "not_authenticated"
    await bad.send(type="auth", token="not-a-token")
    assert (await bad.wait_for(type="error"))["code"] == "bad_token"
    closed = await bad.ws.receive()
    assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and bad.ws.close_code == 4401

    editor_token = await gw.account("ed", role="editor", display_name="محرر")
    editor = await gw.ws("/ws/agent")
    await editor.send(type="auth", token=editor_token)
    assert (await editor.wait_for(type="error"))["code"] == "forbidden"


async def test_agent_reload_gets_its_conversations_back(gw: Gw) -> None:
    token = await gw.account("reload", display_name="ريم")
    first = await gw.ws("/ws/agent")
    await first.send(type="auth", token=token)
    await first.wait_for(type="auth_ok")
    citizen, cid = await queued_citizen(gw)
    await first.send(type="claim", conversation_id=cid, ref="c")
    await first.wait_for(type="conversation", ref="c")
    await first.close()
    await citizen.send(type="message", msg_id="while-away", text="هل أنت هنا؟")
    await citizen.wait_for(type="ack", msg_id="while-away")

    second = await gw.ws("/ws/agent")
    await second.send(type="auth", token=token)
    ok = await second.wait_for(type="auth_ok")
    assert ok["assigned"] == [cid]
    await second.send(type="open", conversation_id=cid, after_seq=0, ref="o")
    conv = await second.wait_for(type="conversation", ref="o")
    assert conv["entries"][-1]["text"] == "هل أنت هنا؟"


async def test_queue_is_served_by_waiting_time_with_a_priority_hook(gw: Gw) -> None:
    queue = gw.gateway.queue
    queue.priority_hook = lambda p: 1 if p["reason"] == "negative_feedback" else 0
    cids = []
    for reason in ("low_confidence", "user_request", "negative_feedback"):
        cid, _ = await gw.gateway.conversations.create()
        await queue.enqueue(cid, packet(reason))
        cids.append(cid)
    agent = await gw.agent("orderly", "رنا")
    await agent.send(type="get_queue", ref="q")
    items = (await agent.wait_for(type="queue", ref="q"))["items"]
    # The unhappy citizen jumps ahead; the others keep their arrival order.
    assert [i["conversation_id"] for i in items] == [cids[2], cids[0], cids[1]]
    assert [i["position"] for i in items] == [1, 2, 3]
    assert items[0]["candidates"][0]["question"] == "تجديد الجواز"


async def test_agent_bad_frames_get_errors_and_the_socket_survives(gw: Gw) -> None:
    agent = await gw.agent("sloppy", "بدر")
    await agent.ws.send_str("not json at all")
    assert (await agent.wait_for(type="error"))["code"] == "bad_json"
    await agent.send(type="self_destruct", ref="x")
    assert (await agent.wait_for(type="error", ref="x"))["code"] == "unknown_type"
    await agent.send(type="message", conversation_id="c_x", msg_id="a1", text="ن" * 3000)
    assert (await agent.wait_for(type="error"))["code"] == "too_large"
    await agent.send(type="claim", conversation_id="c_missing", ref="m")
    assert (await agent.wait_for(type="error", ref="m"))["code"] == "not_queued"
    await agent.send(type="open", conversation_id="c_missing", ref="o")
    assert (await agent.wait_for(type="error", ref="o"))["code"] == "unknown_conversation"
    await agent.send(type="ping")
    await agent.wait_for(type="pong")


async def test_silent_but_connected_agent_keeps_the_conversation_until_the_socket_dies(make_settings) -> None:
    """A console in a background tab may send no heartbeat for a minute; its open socket still counts."""
    async for gw in start_gateway(make_settings(agent_timeout_s=2)):
        agent = await gw.agent("quiet", "هادئ")
        _, cid = await queued_citizen(gw)
        await agent.send(type="claim", conversation_id=cid, ref="c")
        await agent.wait_for(type="conversation", ref="c")
        # No frame at all from the console for more than twice the timeout (it keeps reading, so the
        # browser-level websocket pongs still flow, as in a background tab).
        with contextlib.suppress(AssertionError):
            await agent.wait_for(within=5, type="nothing-expected")
        assert (await gw.gateway.conversations.get(cid))["state"] == "with_agent"
        await agent.close()
        await gw.wait_state(cid, "queued", within=30)  # back in the queue once the socket died


async def test_malformed_agent_frames_count_toward_the_rate_limit(make_settings) -> None:
    async for gw in start_gateway(make_settings(agent_rate_burst=6, agent_rate_per_s=0.01)):
        agent = await gw.agent("noura")  # auth: 1 of the 6 tokens
        for _ in range(4):
            await agent.ws.send_str("][")
        await agent.ws.send_bytes(b"\x00")
        for _ in range(5):
            assert (await agent.wait_for(type="error"))["code"] == "bad_json"
        await agent.send(type="get_queue", ref="r1")
        refused = await agent.wait_for(type="error", ref="r1")
        assert refused["code"] == "rate_limited"


async def test_agent_deeply_nested_json_is_a_bad_frame_not_a_crash(gw: Gw) -> None:
    """Probe item 13 on the agent socket: an error frame, and the socket keeps working."""
    agent = await gw.agent("nested", "سعد")
    await agent.ws.send_str("[" * 1100 + "]" * 1100)
    assert (await agent.wait_for(type="error"))["code"] == "bad_json"
    await agent.send(type="ping")
    await agent.wait_for(type="pong")


RLO, LRI, PDI, PDF = "\u202e", "\u2066", "\u2069", "\u202c"
KEPT_MARKS = "\u200f\u200e\u061c"


async def test_bidi_overrides_are_stripped_from_citizen_and_agent_text_and_names(gw: Gw) -> None:
    """Probe item 15: an override made a name or a number display reversed in the console and editor."""
    agent = await gw.agent("bidi", f"{RLO}نورة{PDF}")
    citizen, cid = await queued_citizen(gw)
    await agent.send(type="claim", conversation_id=cid, ref="c")
    await agent.wait_for(type="conversation", ref="c")
    assert (await citizen.wait_for(type="status", state="with_agent"))["agent_name"] == "نورة"

    await citizen.send(type="message", msg_id="c-1", text=f"رقمي {RLO}0551234567{PDF} {LRI}x{PDI}{KEPT_MARKS}")
    entry = await agent.wait_for(type="entry")
    while entry["entry"]["type"] != "user_message":
        entry = await agent.wait_for(type="entry")
    assert entry["entry"]["text"] == f"رقمي 0551234567 x{KEPT_MARKS}"

    await agent.send(type="message", conversation_id=cid, msg_id="a-1", text=f"{RLO}تم{PDF}")
    reply = await citizen.wait_for(type="agent_message")
    assert (reply["text"], reply["agent_name"]) == ("تم", "نورة")

    await citizen.send(type="leave_message", msg_id="lm-1", name=f"{RLO}سارة{PDF}", mobile="0551234567",
                       message=f"{LRI}اتصلوا بي{PDI}")
    await citizen.wait_for(type="ack", msg_id="lm-1")
    [item] = await gw.gateway.callbacks.list("open")
    assert (item["name"], item["message"]) == ("سارة", "اتصلوا بي")


def fail_once(monkeypatch: pytest.MonkeyPatch, store: Any, name: str) -> list[int]:
    """Make ``store.name`` raise a Redis error on its first call (Redis down for a moment)."""
    real = getattr(store, name)
    calls: list[int] = []

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RedisConnectionError("redis went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(store, name, flaky)
    return calls


async def test_storage_errors_are_internal_naming_the_msg_id_and_a_resend_is_stored_once(
        gw: Gw, monkeypatch: pytest.MonkeyPatch) -> None:
    """Probe item 2: `internal` is retryable; the client must know which frame to resend."""
    agent = await gw.agent("retry", "هند")
    citizen, cid = await queued_citizen(gw)
    await agent.send(type="claim", conversation_id=cid, ref="c")
    await agent.wait_for(type="conversation", ref="c")

    fail_once(monkeypatch, gw.gateway.conversations, "append")
    await citizen.send(type="message", msg_id="c-r", text="هل وصلت؟")
    err = await citizen.wait_for(type="error", msg_id="c-r")
    assert err["code"] == "internal"
    await citizen.send(type="message", msg_id="c-r", text="هل وصلت؟")
    await citizen.wait_for(type="ack", msg_id="c-r")

    fail_once(monkeypatch, gw.gateway.conversations, "append")
    await agent.send(type="message", conversation_id=cid, msg_id="a-r", text="نعم")
    err = await agent.wait_for(type="error", msg_id="a-r")
    assert (err["code"], err["conversation_id"]) == ("internal", cid)
    await agent.send(type="message", conversation_id=cid, msg_id="a-r", text="نعم")
    await agent.wait_for(type="ack", msg_id="a-r")
    texts = [e.get("text") for e in await gw.gateway.conversations.entries(cid)]
    assert texts.count("هل وصلت؟") == 1 and texts.count("نعم") == 1


async def test_queue_position_reaches_every_socket_of_a_conversation(gw: Gw) -> None:
    """Probe item 8: with two tabs (or a resumed socket while the old one is registered) only one socket
    of the conversation was told its new position."""
    await gw.agent("positions", "ليلى")  # online, so requests are queued
    first, _ = await queued_citizen(gw)
    tab1, cid = await queued_citizen(gw)
    started = next(f for f in tab1.frames if f["type"] == "started")
    tab2 = await gw.ws("/ws/chat")
    await tab2.send(type="resume", conversation_id=cid, token=started["token"], last_seq=0)
    assert (await tab2.wait_for(type="queue_position"))["position"] == 2  # told on resume

    await first.send(type="cancel_wait", msg_id=msg_id())  # the conversation ahead leaves the queue
    for tab in (tab1, tab2):
        assert (await tab.wait_for(type="queue_position", position=1, within=6))["estimated_wait_s"] >= 0
