"""Conversations: creation, token check, durable transcript appends and reads.

A conversation is a hash (state, token hash, seq counter, handoff data) plus a stream holding its
transcript; every append is one Lua script (``handoff.scripts.APPEND``), idempotent by ``msg_id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from handoff import scripts
from handoff.errors import ConversationError
from handoff.keys import Keys
from handoff.redis_text import text


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body(entry: dict[str, Any]) -> str:
    """An entry's JSON without its opening brace: the scripts prepend ``{"seq":N,``."""
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))[1:]


def pending_item(bot_input: str | None, msg_id: str | None = None) -> str:
    """A pending bot turn as the scripts push it (``''``: nothing for the bot). ``msg_id`` goes to Rasa with
    a retried turn, so the assistant recognises an input it already processed."""
    if not bot_input:
        return ""
    return json.dumps({"text": bot_input, "at": time.time(), "msg_id": msg_id}, ensure_ascii=False)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class NotReplicated(RedisError):
    """An input reached the primary but not enough replicas within REDIS_WAIT_TIMEOUT_MS (retryable)."""


@dataclass(frozen=True)
class AppendResult:
    seq: int
    stored: bool  # False: the msg_id was seen before and ``seq`` is the original one
    state: str = ""  # the conversation's state right after the append


# States in which a citizen may still send feedback or leave a message (a closed conversation refuses them).
OPEN_STATES = "bot,queued,with_agent"


class TooManyPending(ConversationError):
    def __init__(self) -> None:
        super().__init__("the assistant is still answering your previous messages: send this one again in a "
                         "moment", "rate_limited")


def open_append_result(cid: str, res: list[Any]) -> AppendResult:
    """The result of a script that appends to an open conversation only (FEEDBACK, LEAVE_MESSAGE):
    {1|0, seq, state}, or their shared refusals -2 (no conversation), -1 (closed) and -9 (too many bot
    inputs pending), raised."""
    code = int(res[0])
    if code == -9:
        raise TooManyPending()
    if code == -2:
        raise ConversationError(f"conversation {cid} does not exist (or expired): start a new one",
                                "unknown_conversation")
    if code == -1:
        raise ConversationError("the conversation is closed: start a new one", "closed")
    state = res[2].decode() if isinstance(res[2], bytes) else str(res[2])
    return AppendResult(seq=int(res[1]), stored=code == 1, state=state)


class ConversationStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_s: int, wait: tuple[int, int] = (0, 0)) -> None:
        self.redis = redis
        self.keys = keys
        self.ttl_s = ttl_s
        self.wait_replicas, self.wait_timeout_ms = wait
        self._append = redis.register_script(scripts.APPEND)

    async def create(self, locale: str = "ar") -> tuple[str, str]:
        cid = "c_" + secrets.token_urlsafe(16)
        token = secrets.token_urlsafe(24)
        key = self.keys.conv(cid)
        now = now_iso()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={
                "state": "bot", "token_hash": token_hash(token), "seq": 0, "locale": locale,
                "created_at": now, "updated_at": now,
            })
            pipe.expire(key, self.ttl_s)
            await pipe.execute()
        return cid, token

    async def set_locale(self, cid: str, locale: str) -> None:
        """The citizen's chosen language (only on a conversation that still exists: never recreate one)."""
        key = self.keys.conv(cid)
        async with self.redis.pipeline(transaction=True) as pipe:
            await pipe.watch(key)
            if not await pipe.exists(key):
                raise ConversationError(f"conversation {cid} does not exist (or expired)", "unknown_conversation")
            pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves Pipeline.multi unannotated
            pipe.hset(key, "locale", locale)
            await pipe.execute()

    async def get(self, cid: str) -> dict[str, str]:
        data = await self.redis.hgetall(self.keys.conv(cid))
        if not data:
            raise ConversationError(f"conversation {cid} does not exist (or expired)", "unknown_conversation")
        return {text(k): text(v) for k, v in data.items()}

    async def state(self, cid: str) -> str:
        """``bot | queued | with_agent | closed`` (one field: readers that need only this skip the hash)."""
        state = await self.redis.hget(self.keys.conv(cid), "state")
        if state is None:
            raise ConversationError(f"conversation {cid} does not exist (or expired)", "unknown_conversation")
        return text(state)

    async def authenticate(self, cid: str, token: str) -> dict[str, str]:
        """The conversation hash if ``token`` is its token; one error for 'unknown' and 'wrong'."""
        raw = await self.redis.hgetall(self.keys.conv(cid))
        meta = {text(k): text(v) for k, v in raw.items()}
        if not meta or not hmac.compare_digest(meta.get("token_hash", ""), token_hash(token)):
            raise ConversationError("unknown conversation or wrong token: start a new conversation", "bad_token")
        return meta

    async def append(
        self,
        cid: str,
        entry: dict[str, Any],
        msg_id: str | None = None,
        cond: tuple[str, str] | None = None,
        set_fields: dict[str, str] | None = None,
        bot_input: str | None = None,
        offers: list[str] | None = None,
    ) -> AppendResult:
        """Store ``entry`` (gets ``seq`` and ``ts``) and publish it; a repeated ``msg_id`` is not stored again.

        ``cond`` = (field, "v1,v2"): store only if the conversation field has one of those values.
        ``bot_input``: what to send to Rasa for this entry; recorded as a pending bot turn if with the bot.
        ``offers``: button payloads the entry shows; from then on a ``button`` frame may send them.
        """
        entry = {**entry, "ts": now_iso()}
        k = self.keys
        args = [
            body(entry), msg_id or "", k.ch_conv(cid), self.ttl_s,
            cond[0] if cond else "", cond[1] if cond else "",
            json.dumps(set_fields) if set_fields else "", entry["ts"], pending_item(bot_input, msg_id),
            json.dumps(offers, ensure_ascii=False) if offers else "",
        ]
        if self.wait_replicas and msg_id:
            res = await self._append_replicated(k.conversation(cid), args)
        else:
            res = await self._append(keys=k.conversation(cid), args=args)
        code, value = int(res[0]), res[1]
        if code == -2:
            raise ConversationError(f"conversation {cid} does not exist (or expired)", "unknown_conversation")
        if code == -9:
            raise TooManyPending()
        if code == -1:
            actual = value.decode() if isinstance(value, bytes) else str(value)
            raise ConversationError(f"not allowed while {cond[0] if cond else ''} is {actual!r}", "wrong_state")
        state = res[2].decode() if len(res) > 2 and isinstance(res[2], bytes) else ""
        return AppendResult(seq=int(value), stored=code == 1, state=state)

    async def _append_replicated(self, keys: list[str], args: list[Any]) -> Any:
        """APPEND, then WAIT on the same connection (WAIT counts that connection's writes only): an input is
        acknowledged only once ``wait_replicas`` replicas hold it, so a fail-over cannot lose it. Fewer in
        time raise NotReplicated, which the sender sees as "storage unavailable: resend"; the resend is
        deduplicated by msg_id and acked once replicated."""
        async with self.redis.pipeline(transaction=False) as pipe:
            await self._append(keys=keys, args=args, client=pipe)
            pipe.execute_command("WAIT", self.wait_replicas, self.wait_timeout_ms)
            res, replicas = await pipe.execute()
        if int(res[0]) in (0, 1) and int(replicas) < self.wait_replicas:
            raise NotReplicated(f"stored on the primary, {replicas}/{self.wait_replicas} replicas in time")
        return res

    async def entries(self, cid: str, after_seq: int = 0, count: int | None = None) -> list[dict[str, Any]]:
        """Transcript entries with seq > after_seq, in order."""
        rows = await self.redis.xrange(self.keys.transcript(cid), min=f"(0-{after_seq}", max="+", count=count)
        return [json.loads(fields[b"e"]) for _id, fields in rows or [] if fields]

    async def recent_user_texts(self, cid: str, limit: int = 3) -> list[str]:
        rows = await self.redis.xrevrange(self.keys.transcript(cid), count=40)
        texts = []
        for _id, fields in rows or []:
            entry = json.loads(fields[b"e"]) if fields else {}
            if entry.get("type") == "user_message" and not entry.get("payload"):
                texts.append(entry["text"])
                if len(texts) == limit:
                    break
        return list(reversed(texts))

    async def last_seq(self, cid: str) -> int:
        value = await self.redis.hget(self.keys.conv(cid), "seq")
        return int(value or 0)

    async def was_offered(self, cid: str, payload: str) -> bool:
        return bool(await self.redis.sismember(self.keys.offered(cid), payload))

    async def pending_inputs(self, cid: str) -> list[dict[str, Any]]:
        return [json.loads(item) for item in await self.redis.lrange(self.keys.pending(cid), 0, -1)]

    async def pop_pending(self, cid: str) -> None:
        await self.redis.lpop(self.keys.pending(cid))

    async def publish_typing(self, cid: str, who: str, active: bool) -> None:
        event = {"_t": "typing", "from": who, "active": active}
        await self.redis.publish(self.keys.ch_conv(cid), json.dumps(event))

    async def publish_presence(self, cid: str, present: bool) -> None:
        """A page of the conversation opened (True) or the last one on this process closed (False)."""
        await self.redis.publish(self.keys.ch_conv(cid), json.dumps({"_t": "presence", "present": present}))


def epoch() -> float:
    return time.time()
