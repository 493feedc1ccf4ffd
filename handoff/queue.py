"""The handoff queue and conversation ownership: enqueue, claim, cancel, resolve, return, requeue.

Every operation is one ``TRANSITION`` script run, so two agents claiming at once cannot both win and a
requeue can never race a claim. Queue order is waiting time (ZSET score = enqueue time), shifted by the
priority hook: each priority level counts as ``PRIORITY_STEP_S`` seconds of extra waiting.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import redis.asyncio as aioredis

from common.clock import now_iso
from handoff import lua
from handoff.conversations import body
from handoff.errors import ConversationError
from handoff.keys import Keys
from handoff.presence import Presence
from handoff.protocol import HandoffPacket, QueueItem
from handoff.redis_text import text

PriorityHook = Callable[[HandoffPacket], int]


def default_priority(packet: HandoffPacket) -> int:
    """Hook: return a higher number to serve a conversation earlier (e.g. by topic). Default: FIFO."""
    return 0


@dataclass(frozen=True)
class TransitionResult:
    seq: int
    position: int
    previous_agent: str


def _status(state: str, reason: str | None, agent_name: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "status", "ts": now_iso(), "state": state, "reason": reason}
    if state != "queued":  # for queued, the script fills position and estimated wait
        entry.update(position=None, estimated_wait_s=None)
    if agent_name is not None:
        entry["agent_name"] = agent_name
    return entry


class Queue:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, presence: Presence, ttl_s: int,
        default_wait_s: int = 120, priority_step_s: int = 600, priority_hook: PriorityHook = default_priority,
        tz: tzinfo = UTC,
    ) -> None:
        self.tz = tz
        self.redis = redis
        self.keys = keys
        self.presence = presence
        self.ttl_s = ttl_s
        self.default_wait_s = default_wait_s
        self.priority_step_s = priority_step_s
        self.priority_hook = priority_hook
        self._transition = redis.register_script(lua.TRANSITION)

    async def avg_wait_s(self) -> float:
        raw = await self.redis.get(self.keys.wait_avg)
        return float(raw) if raw else float(self.default_wait_s)

    async def record_wait(self, wait_s: float) -> None:
        """Exponential moving average of wait-to-pickup: the basis of the estimated wait."""
        avg = await self.avg_wait_s()
        await self.redis.set(self.keys.wait_avg, f"{0.8 * avg + 0.2 * wait_s:.1f}")

    async def _run(
        self, cid: str, *, from_states: str, status: dict[str, Any], agent: str = "",
        set_fields: dict[str, str] | None = None, queue_op: str = "", queue_score: str = "",
        agent_set: str | None = None, agent_op: str = "", extra: dict[str, Any] | None = None,
        queue_msg: dict[str, Any] | None = None, stale_agent: str = "", stale_cutoff: float = 0.0,
        target: str = "",
    ) -> TransitionResult:
        k = self.keys
        avg, online = (await self.avg_wait_s(), await self.presence.online_count()) if queue_op == "add" else (0, 0)
        res = await self._transition(
            keys=[*k.conversation(cid), k.queue, agent_set or k.none, k.presence,
                  k.agent_convs(target) if target else k.none],
            args=[
                from_states, agent, json.dumps(set_fields) if set_fields else "", queue_op, queue_score,
                agent_op, cid, body(status), body({**extra, "ts": now_iso()}) if extra else "",
                k.ch_conv(cid), json.dumps(queue_msg) if queue_msg else "", k.ch_queue, avg, online,
                self.ttl_s, now_iso(), stale_agent, stale_cutoff, target,
            ],
        )
        code = int(res[0])
        if code == -2:
            raise ConversationError(f"conversation {cid} does not exist", "unknown_conversation")
        if code == 0:
            state, owner = res[1].decode(), res[2].decode()
            raise ConversationError(f"conversation {cid} is {state} (agent {owner or '-'})", state)
        return TransitionResult(seq=int(res[1]), position=int(res[2]), previous_agent=res[3].decode())

    async def day_number(self, cid: str) -> str:
        """The conversation's number among the citizens queued today (local day), kept on a later handoff."""
        known = await self.redis.hget(self.keys.conv(cid), "day_no")
        if known:
            return text(known)
        key = self.keys.day_count(datetime.now(self.tz).date().isoformat())
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 2 * 86400)
            number, _ = await pipe.execute()
        return str(number)

    async def enqueue(self, cid: str, packet: HandoffPacket) -> TransitionResult:
        """bot -> queued. Raises ConversationError(code=<current state>) if not with the bot."""
        priority = self.priority_hook(packet)
        score = time.time() - priority * self.priority_step_s
        fields = {
            "state": "queued", "reason": packet["reason"], "topic": packet["topic"] or "",
            "handoff": json.dumps(packet, ensure_ascii=False), "enqueued_at": f"{time.time():.3f}",
            "queue_score": f"{score:.3f}", "priority": str(priority), "agent": "", "agent_name": "",
            "day_no": await self.day_number(cid),
        }
        return await self._run(
            cid, from_states="bot", status=_status("queued", packet["reason"]), set_fields=fields,
            queue_op="add", queue_score=f"{score:.3f}", queue_msg={"op": "added", "cid": cid},
        )

    async def claim(self, cid: str, username: str, display_name: str) -> tuple[TransitionResult, float]:
        """queued -> with_agent, atomically; returns the result and the wait-to-pickup in seconds."""
        try:
            res = await self._run(
                cid, from_states="queued", status=_status("with_agent", None, display_name),
                set_fields={"state": "with_agent", "agent": username, "agent_name": display_name,
                            "claimed_at": f"{time.time():.3f}"},
                queue_op="rem", agent_set=self.keys.agent_convs(username), agent_op="add",
                queue_msg={"op": "removed", "cid": cid, "reason": "claimed", "by": username},
            )
        except ConversationError as exc:
            code = "already_claimed" if exc.code in {"with_agent", "closed"} else "not_queued"
            raise ConversationError(f"conversation {cid} cannot be claimed: {exc.message}", code) from None
        enqueued = await self.redis.hget(self.keys.conv(cid), "enqueued_at")
        wait = max(0.0, time.time() - float(enqueued or time.time()))
        await self.record_wait(wait)
        return res, wait

    async def cancel_wait(self, cid: str) -> TransitionResult:
        return await self._run(
            cid, from_states="queued", status=_status("bot", "cancel_wait"),
            set_fields={"state": "bot"}, queue_op="rem",
            queue_msg={"op": "removed", "cid": cid, "reason": "cancelled"},
        )

    async def abandon(self, cid: str) -> TransitionResult:
        """queued -> closed: the citizen left (no open page for QUEUE_ABANDON_S)."""
        return await self._run(
            cid, from_states="queued", status=_status("closed", "abandoned"),
            set_fields={"state": "closed", "outcome": "abandoned", "closed_at": f"{time.time():.3f}"},
            queue_op="rem", queue_msg={"op": "removed", "cid": cid, "reason": "abandoned"},
        )

    async def resolve(self, cid: str, username: str, outcome: str, note: str = "") -> TransitionResult:
        """with_agent -> closed, then a csat_request entry."""
        return await self._run(
            cid, from_states="with_agent", agent=username, status=_status("closed", "resolved"),
            set_fields={"state": "closed", "outcome": outcome, "note": note, "csat_state": "requested",
                        "agent": "", "resolved_by": username, "closed_at": f"{time.time():.3f}"},
            agent_set=self.keys.agent_convs(username), agent_op="rem", extra={"type": "csat_request"},
        )

    async def return_to_bot(self, cid: str, username: str) -> TransitionResult:
        return await self._run(
            cid, from_states="with_agent", agent=username, status=_status("bot", "returned_by_agent"),
            set_fields={"state": "bot", "agent": "", "agent_name": ""},
            agent_set=self.keys.agent_convs(username), agent_op="rem",
        )

    async def transfer(self, cid: str, username: str, target: str, target_name: str) -> TransitionResult:
        """with_agent (held by ``username``) -> with_agent held by ``target``, who must be connected (heard
        from within AGENT_TIMEOUT_S). One script: a transfer racing a resolve, a requeue or another transfer
        of the same chat either happens whole or is refused, and the chat is in exactly one agent's set."""
        return await self._run(
            cid, from_states="with_agent", agent=username, status=_status("with_agent", "transferred", target_name),
            set_fields={"agent": target, "agent_name": target_name, "claimed_at": f"{time.time():.3f}"},
            agent_set=self.keys.agent_convs(username), agent_op="rem", target=target,
            stale_cutoff=time.time() - self.presence.timeout_s,
        )

    async def requeue(self, cid: str, username: str, cutoff: float) -> TransitionResult:
        """with_agent -> queued at its original place, only if ``username`` is still silent since ``cutoff``."""
        reason = text(await self.redis.hget(self.keys.conv(cid), "reason") or b"user_request")
        return await self._run(
            cid, from_states="with_agent", agent=username, status=_status("queued", reason),
            set_fields={"state": "queued", "agent": "", "agent_name": ""}, queue_op="add",
            agent_set=self.keys.agent_convs(username), agent_op="rem",
            queue_msg={"op": "added", "cid": cid}, stale_agent=username, stale_cutoff=cutoff,
        )

    async def assigned(self, username: str) -> list[str]:
        return sorted(text(m) for m in await self.redis.smembers(self.keys.agent_convs(username)))

    async def length(self) -> int:
        return await self.redis.zcard(self.keys.queue)

    async def position(self, cid: str) -> int | None:
        rank = await self.redis.zrank(self.keys.queue, cid)
        return rank + 1 if isinstance(rank, int) else None  # None: not queued (a list only WITHSCORE)

    async def estimate(self, position: int) -> int:
        online = await self.presence.online_count()
        return math.ceil(position * await self.avg_wait_s() / max(1, online))

    async def item(self, cid: str, position: int | None = None) -> QueueItem | None:
        raw = await self.redis.hgetall(self.keys.conv(cid))
        pos = position if position is not None else (await self.position(cid) or 0)
        return _item(cid, raw, pos)

    async def snapshot(self, limit: int = 500) -> list[QueueItem]:
        cids = [text(c) for c in await self.redis.zrange(self.keys.queue, 0, limit - 1)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for cid in cids:
                pipe.hgetall(self.keys.conv(cid))
            rows = await pipe.execute()
        items = [_item(cid, raw, pos) for pos, (cid, raw) in enumerate(zip(cids, rows, strict=True), start=1)]
        return [item for item in items if item is not None]


def _item(cid: str, raw: dict[bytes | str, bytes | str], position: int) -> QueueItem | None:
    meta = {text(k): text(v) for k, v in raw.items()}
    if meta.get("state") != "queued":
        return None
    packet = json.loads(meta.get("handoff") or "{}")
    enqueued = float(meta.get("enqueued_at") or time.time())
    return {
        "conversation_id": cid, "reason": meta.get("reason", ""), "topic": meta.get("topic") or None,
        "summary": packet.get("summary", []), "candidates": packet.get("candidates", []),
        "enqueued_at": packet.get("requested_at", ""), "waiting_s": int(time.time() - enqueued),
        "priority": int(meta.get("priority") or 0), "position": position, "locale": meta.get("locale", "ar"),
        "present": meta.get("absent") != "1", "day_no": day_no(meta), "created_at": meta.get("created_at", ""),
    }


def day_no(meta: dict[str, str]) -> int | None:
    return int(meta["day_no"]) if meta.get("day_no", "").isdigit() else None
