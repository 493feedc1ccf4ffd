"""The producer side: envelope, masking, and an emitter that never fails its caller."""

from __future__ import annotations

import json

import pytest
import redis.asyncio as aioredis

from analytics import keys
from analytics.emitter import Emitter, encode
from analytics.events import EVENT_TYPES, EventError, check, envelope


def test_envelope_has_the_contract_fields_and_a_fresh_id() -> None:
    a = envelope("conversation.started", "c_1", channel="web", branch="الرياض", service="", page="/", language="ar")
    b = envelope("conversation.started", "c_1")
    assert a["v"] == 1 and a["type"] == "conversation.started" and a["conversation_id"] == "c_1"
    assert len(a["id"]) == 32 and a["id"] != b["id"]
    assert a["at"].endswith("Z")
    assert check(a) is a


@pytest.mark.parametrize("bad", [{"v": 2}, {"type": "nope"}, {"at": "yesterday"}, {"id": ""}])
def test_check_refuses_a_broken_envelope(bad: dict) -> None:
    event = envelope("message.left", "c_1") | bad
    with pytest.raises(EventError):
        check(event)


def test_unknown_type_is_refused_at_the_producer() -> None:
    with pytest.raises(EventError, match="unknown"):
        envelope("conversation.exploded", "c_1")


def test_every_string_field_is_masked_but_the_envelope_is_kept() -> None:
    event = envelope("csat.submitted", "c_1", score=1, target="agent",
                     comment="رقمي ٠٥٥١٢٣٤٥٦٧ وهويتي 1012345678 ما أحد رد")
    out = json.loads(encode(event)["e"])
    assert "0551234567" not in out["comment"] and "٠٥٥١٢٣٤٥٦٧" not in out["comment"]
    assert "1012345678" not in out["comment"]
    assert "[mobile]" in out["comment"] and "ما أحد رد" in out["comment"]
    assert out["id"] == event["id"] and out["score"] == 1
    assert set(EVENT_TYPES) >= {"bot.decision", "followup.created", "unanswered.recorded"}


async def test_emit_appends_one_masked_entry(redis_url: str, redis_prefix: str) -> None:
    r = aioredis.from_url(redis_url)
    try:
        em = Emitter(r, redis_prefix)
        assert await em.emit("message.left", "c_9")
        assert await em.emit("csat.submitted", "c_9", score=5, comment="شكرا 0551234567", target="bot")
        entries = await r.xrange(keys.stream(redis_prefix))
        events = [json.loads(f[b"e"]) for _, f in entries]
        assert [e["type"] for e in events] == ["message.left", "csat.submitted"]
        assert events[1]["comment"] == "شكرا [mobile]"
        assert em.sent == 2 and em.dropped == 0
    finally:
        await r.aclose()


async def test_emit_never_raises_when_redis_is_gone(caplog: pytest.LogCaptureFixture) -> None:
    dead = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    em = Emitter(dead, "x:", timeout_s=0.5)
    assert await em.emit("csat.submitted", "c_1", score=1, comment="0551234567", target="bot") is False
    assert em.dropped == 1
    assert "0551234567" not in caplog.text
    assert await em.emit("no.such.type", "c_1") is False  # a producer bug is logged, not raised into a chat
    await dead.aclose()
