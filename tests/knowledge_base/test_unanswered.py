"""Recording unanswered questions: masked before storage, bounded, hideable once handled."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.unanswered import mark_done, open_records, record_unanswered


@pytest.fixture
async def client(redis_url: str):
    c = aioredis.from_url(redis_url)  # bytes replies, as the action server's client has
    yield c
    await c.aclose()


async def test_personal_data_is_masked_before_it_is_stored(client, redis_prefix: str) -> None:
    keys = KbKeys(redis_prefix)
    text = "رقم هويتي ١٠٢٣٤٥٦٧٨٩ وجوالي 0551234567 وما وصلني الدعم"
    await record_unanswered(client, text=text, reason="low_confidence", conversation_id="c1",
                            candidates=["support-late"], keys=keys)
    raw = await client.xrange(keys.unanswered)
    stored = raw[0][1][b"text"].decode()
    assert "1023456789" not in stored and "0551234567" not in stored and "١٠٢٣" not in stored
    assert "[national_id]" in stored and "[mobile]" in stored
    [rec] = await open_records(client, keys)
    assert rec.reason == "low_confidence" and rec.candidates == ("support-late",) and rec.conversation_id == "c1"


async def test_prefix_comes_from_the_environment_when_not_given(client, redis_prefix: str, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_PREFIX", redis_prefix)
    await record_unanswered(client, text="سؤال بلا إجابة", reason="negative_feedback")
    assert len(await open_records(client, KbKeys(redis_prefix))) == 1


async def test_bad_reason_and_empty_text(client, redis_prefix: str) -> None:
    keys = KbKeys(redis_prefix)
    with pytest.raises(ValueError, match="reason"):
        await record_unanswered(client, text="x", reason="bored", keys=keys)
    assert await record_unanswered(client, text="   ", reason="clarify_rejected", keys=keys) is None
    assert await open_records(client, keys) == []


async def test_done_records_leave_the_open_list(client, redis_prefix: str) -> None:
    keys = KbKeys(redis_prefix)
    ids = [await record_unanswered(client, text=f"سؤال رقم {i}", reason="clarify_rejected", keys=keys)
           for i in range(3)]
    assert await mark_done(client, ids[:2], keys) == 2
    assert [r.id for r in await open_records(client, keys)] == [ids[2]]
