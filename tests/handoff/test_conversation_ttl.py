"""Every key of a conversation lives exactly as long as the conversation: one expiry time for all of them.

A key that expired before its conversation broke a promise the conversation still makes: without
``rated`` a citizen could rate the same answer twice, without ``offered`` an offered button was refused,
without ``dedupe`` a resent message was stored twice. So after each state change — appends, bot turns,
feedback, every queue transition — each existing key must expire at the conversation hash's own
millisecond. Real Redis, real stores; Rasa's reply is faked at the gateway's Rasa client.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from handoff import flow
from handoff.gateway import Gateway
from handoff.rasa import BotTurn
from handoff.stranded import seen_ttl_s
from tests.handoff.helpers import Gw, bot_response

UP = "/feedback_positive"


def conversation_keys(gateway: Gateway, cid: str) -> list[str]:
    k = gateway.keys
    return [k.conv(cid), k.transcript(cid), k.dedupe(cid), k.pending(cid), k.offered(cid), k.rated(cid)]


async def expiry_times(gateway: Gateway, cid: str) -> dict[str, int]:
    """Key -> absolute expiry (ms since the epoch) of every existing key of the conversation."""
    names = conversation_keys(gateway, cid)
    times = [int(await gateway.redis.execute_command("PEXPIRETIME", name)) for name in names]
    return {name: at for name, at in zip(names, times, strict=True) if at != -2}


async def assert_one_lifetime(gateway: Gateway, cid: str, step: str) -> None:
    times = await expiry_times(gateway, cid)
    conv_at = times[gateway.keys.conv(cid)]
    ttl_ms = gateway.settings.conversation_ttl_s * 1000
    left = int(await gateway.redis.pttl(gateway.keys.conv(cid)))
    assert ttl_ms - 2000 < left <= ttl_ms, f"after {step}: the conversation's TTL was not renewed ({left} ms)"
    outliers = {name: at - conv_at for name, at in times.items() if at != conv_at}
    assert not outliers, f"after {step}: keys expiring apart from the conversation (ms later): {outliers}"


@pytest.fixture
def bot_replies(gw: Gw, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa answers every input with an answer and the feedback prompt (two buttons to offer)."""

    async def send(cid: str, text: str, metadata: dict[str, Any] | None = None) -> BotTurn:
        prompt = bot_response("utter_ask_helpful")
        return BotTurn(messages=[
            {"type": "bot_message", "text": "الإجابة", "buttons": [], "links": []},
            {"type": "bot_message", "text": prompt["text"], "buttons": prompt["buttons"], "links": []},
        ])

    monkeypatch.setattr(gw.gateway.rasa, "send", send)


async def test_every_key_of_a_conversation_expires_with_it_after_each_state_change(
    gw: Gw, bot_replies: None
) -> None:
    g = gw.gateway
    cid, _ = await g.conversations.create()
    packet = {"reason": "user_request", "topic": None, "candidates": [], "summary": [], "requested_at": ""}
    steps: list[tuple[str, Any]] = [
        # The input stays on the pending list (no pop), so that key is checked too.
        ("citizen message", lambda: g.conversations.append(
            cid, {"type": "user_message", "msg_id": "m-1", "text": "سؤال", "payload": None},
            msg_id="m-1", bot_input="سؤال")),
        ("bot turn", lambda: flow.bot_turn(g, cid, "سؤال")),
        ("feedback", lambda: flow.submit_feedback(g, cid, "f-1", "up", None)),
        ("leave a message", lambda: g.callbacks.create(cid, "l-1", "سارة", "0551234567", "اتصلوا بي", True)),
        ("enqueue", lambda: g.queue.enqueue(cid, packet)),
        ("claim", lambda: g.queue.claim(cid, "noura", "نورة")),
        ("agent message", lambda: g.conversations.append(
            cid, {"type": "agent_message", "text": "أهلاً", "agent_name": "نورة"}, msg_id="a-1",
            cond=("agent", "noura"))),
        ("return to bot", lambda: g.queue.return_to_bot(cid, "noura")),
        ("enqueue again", lambda: g.queue.enqueue(cid, packet)),
        ("cancel wait", lambda: g.queue.cancel_wait(cid)),
        ("enqueue a third time", lambda: g.queue.enqueue(cid, packet)),
        ("claim again", lambda: g.queue.claim(cid, "noura", "نورة")),
        ("resolve", lambda: g.queue.resolve(cid, "noura", "resolved")),
        ("csat", lambda: flow.submit_csat(g, cid, "c-1", 5, "")),
    ]
    for step, run in steps:
        # The clock must move between steps, or a key left behind would still share the millisecond.
        await asyncio.sleep(0.005)
        await run()
        await assert_one_lifetime(g, cid, step)

    assert set(await expiry_times(g, cid)) == set(conversation_keys(g, cid)), "every key was exercised"
    assert await g.redis.sismember(g.keys.offered(cid), UP)
    assert await g.redis.hlen(g.keys.rated(cid)) == 1


async def test_the_keys_listed_here_are_all_the_keys_a_conversation_has(gw: Gw, bot_replies: None) -> None:
    """A per-conversation key added later must join the shared lifetime (and the list above)."""
    g = gw.gateway
    cid, _ = await g.conversations.create()
    await g.conversations.append(
        cid, {"type": "user_message", "msg_id": "m-1", "text": "سؤال", "payload": None},
        msg_id="m-1", bot_input="سؤال")
    await flow.bot_turn(g, cid, "سؤال")
    await flow.submit_feedback(g, cid, "f-1", "down", None)
    found = {name.decode() async for name in g.redis.scan_iter(match=f"{g.keys.base}*{cid}")}
    # The 👎 starts the "left dissatisfied" watch (handoff/leaving.py) and marks the page here now: that
    # presence marker is the one key that keeps a lifetime of its own, shorter than the conversation's (the
    # longest absence anyone reads, the 👎 grace period here, and a margin).
    here = g.keys.citizen_seen(cid)
    assert found == set(conversation_keys(g, cid)) | {here}
    assert g.settings.followup_leave_grace_s < await g.redis.ttl(here) <= seen_ttl_s(g.settings)
