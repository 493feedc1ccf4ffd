"""Leave-a-message / callback requests (stored for agents) and CSAT results."""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

import redis.asyncio as aioredis

from common.pii import to_ascii_digits
from handoff import scripts
from handoff.conversations import OPEN_STATES, AppendResult, body, now_iso, open_append_result
from handoff.errors import HandoffError
from handoff.keys import Keys
from handoff.protocol import Callback
from handoff.redis_text import text

_MOBILE_RE = re.compile(r"^(?:\+966|00966|966|0)?(5\d{8})$")
# Index entries older than the callback lifetime plus this are pruned when a request is stored: their
# records have expired (the margin covers the milliseconds between the entry's score and its record's expiry).
INDEX_PRUNE_MARGIN_S = 60


def normalise_mobile(raw: str) -> str:
    """Saudi mobile in any common writing (Arabic-Indic digits too) -> +9665XXXXXXXX; ValueError if not one."""
    digits = re.sub(r"[\s\-()]", "", to_ascii_digits(raw))
    match = _MOBILE_RE.match(digits)
    if not match:
        raise HandoffError("mobile must be a Saudi mobile number like 05XXXXXXXX", "invalid_frame")
    return "+966" + match.group(1)


class Callbacks:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl_s = ttl_s
        self._create = redis.register_script(scripts.LEAVE_MESSAGE)

    async def create(
        self, cid: str, msg_id: str, name: str, mobile: str, message: str, callback: bool
    ) -> AppendResult:
        """Store a request and its ``leave_message`` event in one step (``scripts.LEAVE_MESSAGE``).

        A msg_id the conversation already stored gets that entry's seq (``stored=False``) and creates nothing.
        Raises HandoffError ``invalid_frame`` (not a Saudi mobile), ConversationError ``closed`` or
        ``unknown_conversation``.
        """
        k = self.keys
        callback_id = "cb_" + hashlib.sha256(f"{cid}:{msg_id}".encode()).hexdigest()[:20]
        entry = {"type": "event", "event": "leave_message", "ts": now_iso()}
        item: Callback = {
            "callback_id": callback_id, "conversation_id": cid, "name": name, "mobile": normalise_mobile(mobile),
            "message": message, "callback": callback, "created_at": entry["ts"], "status": "open",
        }
        now = time.time()
        res = await self._create(
            keys=[*k.conversation(cid), k.callback(callback_id), k.callbacks],
            args=[
                body(entry), msg_id, k.ch_conv(cid), self.ttl_s, "state", OPEN_STATES, "", entry["ts"], "", "",
                json.dumps(item, ensure_ascii=False), callback_id, now, now - self.ttl_s - INDEX_PRUNE_MARGIN_S,
                k.ch_callbacks, json.dumps({"op": "added", "id": callback_id}),
            ],
        )
        return open_append_result(cid, res)

    async def get(self, callback_id: str) -> Callback | None:
        raw = await self.redis.hgetall(self.keys.callback(callback_id))
        if not raw or b"data" not in raw:
            return None
        item: Callback = json.loads(raw[b"data"])
        item["status"] = "done" if raw.get(b"status") == b"done" else "open"
        return item

    async def list(self, status: str = "open", limit: int = 200) -> list[Callback]:
        ids = [text(i) for i in await self.redis.zrevrange(self.keys.callbacks, 0, 999)]
        items: list[Callback] = []
        for callback_id in ids:
            item = await self.get(callback_id)
            if item is None:
                await self.redis.zrem(self.keys.callbacks, callback_id)  # expired
            elif status in ("all", item["status"]):
                items.append(item)
                if len(items) >= limit:
                    break
        return items

    async def mark_done(self, callback_id: str, username: str) -> dict[str, Any]:
        if await self.get(callback_id) is None:
            raise HandoffError(f"callback {callback_id} does not exist", "unknown_callback")
        await self.redis.hset(self.keys.callback(callback_id), mapping={"status": "done", "handled_by": username})
        return {"callback_id": callback_id, "status": "done", "handled_by": username}


class Csat:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def record(self, cid: str, score: int, comment: str, agent: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(self.keys.csat_counts, str(score), 1)
            pipe.xadd(
                self.keys.csat_stream,
                {"conversation_id": cid, "score": score, "comment": comment, "agent": agent, "ts": now_iso()},
                maxlen=100_000, approximate=True,
            )
            await pipe.execute()

    async def summary(self) -> dict[str, Any]:
        raw = await self.redis.hgetall(self.keys.csat_counts)
        by_score = {str(s): int(raw.get(str(s).encode(), 0)) for s in range(1, 6)}
        count = sum(by_score.values())
        average = sum(int(s) * n for s, n in by_score.items()) / count if count else None
        return {"count": count, "average": None if average is None else round(average, 2), "by_score": by_score}
