"""What other parts of the gateway (the editor's "FAQ draft from a conversation") read through
``ConversationStore`` instead of the Redis layout: a conversation's state and its whole transcript."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from handoff.conversations import ConversationStore
from handoff.errors import ConversationError
from handoff.keys import Keys


@pytest.fixture
async def store(redis_url: str, redis_prefix: str) -> AsyncIterator[ConversationStore]:
    client = aioredis.Redis.from_url(redis_url)
    try:
        yield ConversationStore(client, Keys(redis_prefix), ttl_s=600)
    finally:
        await client.aclose()


async def test_state_follows_the_conversation(store: ConversationStore) -> None:
    cid, _token = await store.create()
    assert await store.state(cid) == "bot"
    await store.append(cid, {"type": "status", "state": "closed", "reason": "resolved"},
                       set_fields={"state": "closed"})
    assert await store.state(cid) == "closed"


async def test_state_of_an_unknown_conversation_is_refused(store: ConversationStore) -> None:
    with pytest.raises(ConversationError) as refused:
        await store.state("c_no-such-conversation")
    assert refused.value.code == "unknown_conversation"


async def test_the_whole_transcript_comes_back_in_order(store: ConversationStore) -> None:
    cid, _token = await store.create()
    said = ["متى تصرف الإعانة؟", "في اليوم الأول من كل شهر", "شكراً"]
    kinds = ["user_message", "agent_message", "user_message"]
    for kind, line in zip(kinds, said, strict=True):
        await store.append(cid, {"type": kind, "text": line})
    entries = await store.entries(cid)
    assert [(e["type"], e["text"]) for e in entries] == list(zip(kinds, said, strict=True))
    assert [e["seq"] for e in entries] == [1, 2, 3]
