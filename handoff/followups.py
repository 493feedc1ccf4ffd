"""Dissatisfied-citizen follow-up (#14 item 4): a task due FOLLOWUP_DUE_S after a CSAT of 1–2 or a 👎 then
leaving (leaving.py), an optional mobile number to call, and the calls agents record (docs/followups.md).

One task per conversation (its id derives from the conversation id), so every path that creates one is
idempotent. Each change is one Lua script that checks the task's state and ``version`` first: two agents
recording the same task cannot both win. The mobile number lives only in the task's hash, which expires
CALLBACK_NUMBER_RETENTION_S after creation, and is deleted as soon as the task is closed; everywhere else
(lists for anyone not handling the task, logs, analytics) it is masked or reduced to ``has_number``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from functools import cache
from pathlib import Path
from typing import Any, Literal

import redis.asyncio as aioredis

from common.clock import iso_at
from common.pii import to_ascii_digits
from handoff.errors import HandoffError
from handoff.keys import Keys
from handoff.redis_text import text

log = logging.getLogger(__name__)
Trigger = Literal["csat_low", "thumb_down_left"]
RESULTS = ("reached", "not_reached", "resolved", "escalated")
CLOSING = {"reached", "resolved", "escalated"}  # not_reached keeps the task open for a retry
CSAT_FOLLOWUP_MAX = 2  # a CSAT of 1–2 asks for a follow-up (the widget mirrors it: widget/followup.js)
REASONS_FILE = Path(__file__).parent / "data" / "followup_reasons.json"

# Gulf mobiles: country code -> national number pattern (without the trunk 0). A number with no country
# code is read as Saudi (05XXXXXXXX), the citizens this product serves.
_GULF = {"966": r"5\d{8}", "971": r"5[024568]\d{7}", "965": r"[569]\d{7}", "974": r"[3567]\d{7}",
         "973": r"[36]\d{7}", "968": r"[79]\d{7}"}
_INTL = re.compile(r"^(?:\+|00)?(966|971|965|974|973|968)0?(\d{7,9})$")


class FollowupError(HandoffError):
    """unknown_task, task_closed, taken (handled by someone else), stale (changed since read), invalid_*."""


def normalise_gulf_mobile(raw: str) -> str:
    """A Saudi or Gulf mobile in any usual writing (Arabic-Indic digits, spaces, dashes) -> E.164."""
    s = re.sub(r"[\s\-().]", "", to_ascii_digits(raw or ""))
    local = re.fullmatch(r"0?(5\d{8})", s)
    if local:
        return "+966" + local.group(1)
    m = _INTL.match(s)
    if m and re.fullmatch(_GULF[m.group(1)], m.group(2)):
        return f"+{m.group(1)}{m.group(2)}"
    raise FollowupError("mobile must be a Saudi or Gulf mobile number: 05XXXXXXXX or +9665XXXXXXXX, "
                        "+971…, +965…, +974…, +973…, +968…", "invalid_mobile")


def mask_mobile(e164: str) -> str:
    """Country code and the last two digits only: enough to tell two tasks apart, useless to call."""
    if not e164:
        return ""
    cc = next((c for c in _GULF if e164.startswith("+" + c)), "")
    return f"+{cc}{'•' * (len(e164) - len(cc) - 3)}{e164[-2:]}"


@cache
def reasons() -> list[dict[str, str]]:
    listed: list[dict[str, str]] = json.loads(REASONS_FILE.read_text(encoding="utf-8"))["reasons"]
    return listed


def task_id_for(cid: str) -> str:
    return "fu_" + hashlib.sha256(cid.encode()).hexdigest()[:20]


_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'task_id', ARGV[1], 'conversation_id', ARGV[2], 'trigger', ARGV[3],
  'created_at', ARGV[4], 'due_at', ARGV[5], 'status', 'open', 'attempts', 0, 'version', 1)
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
return 1
"""
# KEYS: task. ARGV: mobile, now. Only while open; the number is the task's, so it shares its expiry.
_SET_NUMBER = """
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return -1 end
if st ~= 'open' then return -2 end
redis.call('HSET', KEYS[1], 'mobile', ARGV[1], 'number_at', ARGV[2])
return redis.call('HINCRBY', KEYS[1], 'version', 1)
"""
# KEYS: task. ARGV: agent, force ('1': a supervisor takes over). Returns the new version or a refusal.
_TAKE = """
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return {-1, ''} end
if st ~= 'open' then return {-2, ''} end
local h = redis.call('HGET', KEYS[1], 'handler') or ''
if h ~= '' and h ~= ARGV[1] and ARGV[2] ~= '1' then return {-3, h} end
redis.call('HSET', KEYS[1], 'handler', ARGV[1])
return {redis.call('HINCRBY', KEYS[1], 'version', 1), ''}
"""
# KEYS: task, calls list. ARGV: agent, result, reason, version seen, now, closes, call json, force.
_RECORD = """
local t = redis.call('HMGET', KEYS[1], 'status', 'handler', 'version')
if not t[1] then return {-1, ''} end
if t[1] ~= 'open' then return {-2, ''} end
local h = t[2] or ''
if h ~= '' and h ~= ARGV[1] and ARGV[8] ~= '1' then return {-3, h} end
if t[3] ~= ARGV[4] then return {-4, t[3]} end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'result', ARGV[2], 'reason', ARGV[3], 'last_call_at', ARGV[5], 'handler', ARGV[1])
redis.call('HSETNX', KEYS[1], 'first_call_at', ARGV[5])
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[5])
  redis.call('HDEL', KEYS[1], 'mobile', 'number_at')
end
redis.call('RPUSH', KEYS[2], ARGV[7])
redis.call('EXPIRE', KEYS[2], redis.call('TTL', KEYS[1]))
return {redis.call('HINCRBY', KEYS[1], 'version', 1), ''}
"""

_REFUSALS = {
    -1: ("unknown_task", "follow-up task {id} does not exist (or its retention ended)"),
    -2: ("task_closed", "follow-up task {id} is already closed"),
    -3: ("taken", "follow-up task {id} is being handled by {who}"),
    -4: ("stale", "follow-up task {id} changed since you read it (version {who}): reload and retry"),
}


def _refusal(code: int, task_id: str, who: Any) -> FollowupError:
    err, message = _REFUSALS[code]
    who = who.decode() if isinstance(who, bytes) else str(who)
    return FollowupError(message.format(id=task_id, who=who), err)


class Followups:
    def __init__(self, redis: aioredis.Redis, keys: Keys, due_s: int, retention_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.due_s = due_s
        self.retention_s = retention_s
        self._create = redis.register_script(_CREATE)
        self._set_number = redis.register_script(_SET_NUMBER)
        self._take = redis.register_script(_TAKE)
        self._record = redis.register_script(_RECORD)

    async def create(self, cid: str, trigger: Trigger, now: float | None = None) -> dict[str, Any] | None:
        """The conversation's task, due ``due_s`` from now; None if it already had one (no second task)."""
        now = time.time() if now is None else now
        task_id = task_id_for(cid)
        k = self.keys
        made = await self._create(keys=[k.followup(task_id), k.followups], args=[
            task_id, cid, trigger, f"{now:.3f}", f"{now + self.due_s:.3f}", self.retention_s,
            now - self.retention_s - 60])
        return {"task_id": task_id, "due_at": now + self.due_s} if made else None

    async def set_number(self, cid: str, mobile: str) -> str:
        """Attach the citizen's number (validated, E.164) to the conversation's open task; its task id."""
        number = normalise_gulf_mobile(mobile)
        task_id = task_id_for(cid)
        code = int(await self._set_number(keys=[self.keys.followup(task_id)], args=[number, f"{time.time():.3f}"]))
        if code < 0:
            raise _refusal(code, task_id, "")
        return task_id

    async def take(self, task_id: str, agent: str, force: bool = False) -> int:
        code, who = await self._take(keys=[self.keys.followup(task_id)], args=[agent, "1" if force else "0"])
        if int(code) < 0:
            raise _refusal(int(code), task_id, who)
        return int(code)

    async def record(self, task_id: str, agent: str, result: str, reason: str, version: int,
                     force: bool = False) -> dict[str, Any]:
        """Record one call attempt atomically against the ``version`` the agent saw; the task after it."""
        if result not in RESULTS:
            raise FollowupError(f"result must be one of {', '.join(RESULTS)}", "invalid_result")
        if reason not in {r["id"] for r in reasons()}:
            raise FollowupError("reason must be one of the ids of GET /api/followups/reasons", "invalid_reason")
        now = time.time()
        call = json.dumps({"at": round(now, 3), "agent": agent, "result": result, "reason": reason})
        k = self.keys
        code, who = await self._record(keys=[k.followup(task_id), k.followup_calls(task_id)], args=[
            agent, result, reason, str(version), f"{now:.3f}", "1" if result in CLOSING else "0", call,
            "1" if force else "0"])
        if int(code) < 0:
            raise _refusal(int(code), task_id, who)
        task = await self.get(task_id)
        if task is None:
            raise _refusal(-1, task_id, "")
        return task

    async def get(self, task_id: str) -> dict[str, Any] | None:
        raw = await self.redis.hgetall(self.keys.followup(task_id))
        if not raw:
            return None
        t = {text(k): text(v) for k, v in raw.items()}
        calls = [json.loads(c) for c in await self.redis.lrange(self.keys.followup_calls(task_id), 0, 49)]
        num = {"created_at", "due_at", "first_call_at", "last_call_at", "closed_at", "number_at"}
        task: dict[str, Any] = {k: (float(v) if k in num else v) for k, v in t.items()}
        task["attempts"], task["version"] = int(t.get("attempts", 0)), int(t.get("version", 0))
        task["calls"] = calls
        return task

    async def list(self, status: str = "open", limit: int = 200) -> list[dict[str, Any]]:
        """Tasks by due time, soonest (or most overdue) first; expired ones leave the index."""
        out: list[dict[str, Any]] = []
        for raw_id in await self.redis.zrange(self.keys.followups, 0, 1999):
            task_id = text(raw_id)
            task = await self.get(task_id)
            if task is None:
                await self.redis.zrem(self.keys.followups, task_id)
            elif status in ("all", task["status"]):
                out.append(task)
                if len(out) >= limit:
                    break
        return out


def view(task: dict[str, Any], username: str, now: float) -> dict[str, Any]:
    """A task as one staff member may see it: the number in full only for its handler, else masked."""
    out = {k: v for k, v in task.items() if k not in ("mobile", "number_at")}
    mobile = task.get("mobile", "")
    out["has_number"] = bool(mobile)
    out["mobile_masked"] = mask_mobile(mobile)
    if mobile and task.get("handler") == username:
        out["mobile"] = mobile
    out["seconds_left"] = round(task["due_at"] - now)
    out["overdue"] = task["status"] == "open" and now > task["due_at"]
    return out


async def create_followup(gw: Any, cid: str, trigger: Trigger) -> bool:
    """The conversation's follow-up task (once) and its ``followup.created`` event. True if new."""
    made = await gw.followups.create(cid, trigger)
    if made is None:
        return False
    log.info("follow-up task created", extra={"task_id": made["task_id"], "trigger": trigger})
    await gw.analytics.emit("followup.created", cid, task_id=made["task_id"], trigger=trigger,
                            due_at=iso_at(made["due_at"], "seconds"), has_number=False)
    return True
