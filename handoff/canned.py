"""Saved ("canned") replies: each agent's own, and the team's, which only supervisors write.

One Redis hash per scope (``Keys.canned_team``, ``Keys.canned_personal``); a reply's id says its scope, so an
agent can only ever reach their own personal replies. Texts go through the same cleaning as chat messages.
"""

from __future__ import annotations

import json
import secrets
from typing import Any, Literal

import redis.asyncio as aioredis

from common.clock import now_iso
from handoff.errors import CannedError
from handoff.frames import MAX_TEXT_CHARS, clean_text
from handoff.keys import Keys
from handoff.protocol import CannedReply

Scope = Literal["team", "personal"]
MAX_TITLE_CHARS = 80
MAX_PER_SCOPE = 200
_PREFIX: dict[str, Scope] = {"t_": "team", "p_": "personal"}


def _field(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    value = clean_text(value) if isinstance(value, str) else ""
    if not value or len(value) > limit:
        raise CannedError(f"{name} must be 1-{limit} characters", "invalid_body")
    return value


class CannedStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    def _key(self, scope: Scope, username: str) -> str:
        return self.keys.canned_team if scope == "team" else self.keys.canned_personal(username)

    @staticmethod
    def _check_write(scope: Scope, role: str) -> None:
        if scope == "team" and role != "supervisor":
            raise CannedError("team replies are written by supervisors", "forbidden")

    async def list(self, username: str) -> dict[str, list[CannedReply]]:
        out: dict[str, list[CannedReply]] = {}
        for scope in ("personal", "team"):
            raw = await self.redis.hvals(self._key(scope, username))
            out[scope] = sorted((json.loads(r) for r in raw), key=lambda r: r["title"])
        return out

    async def create(self, username: str, role: str, data: dict[str, Any]) -> CannedReply:
        scope = data.get("scope", "personal")
        if scope not in ("team", "personal"):
            raise CannedError("scope must be team or personal", "invalid_body")
        self._check_write(scope, role)
        title, text = _field(data, "title", MAX_TITLE_CHARS), _field(data, "text", MAX_TEXT_CHARS)
        key = self._key(scope, username)
        if await self.redis.hlen(key) >= MAX_PER_SCOPE:
            raise CannedError(f"at most {MAX_PER_SCOPE} {scope} replies: delete one first", "too_many")
        reply: CannedReply = {"id": f"{scope[0]}_{secrets.token_urlsafe(9)}", "scope": scope, "title": title,
                              "text": text, "updated_at": now_iso(), "updated_by": username}
        await self.redis.hset(key, reply["id"], json.dumps(reply, ensure_ascii=False))
        return reply

    async def _find(self, username: str, role: str, reply_id: str) -> tuple[str, CannedReply]:
        scope = _PREFIX.get(reply_id[:2])
        raw = await self.redis.hget(self._key(scope, username), reply_id) if scope else None
        if raw is None:
            raise CannedError(f"no saved reply {reply_id!r}", "unknown_reply")
        self._check_write(scope, role)  # type: ignore[arg-type]
        return self._key(scope, username), json.loads(raw)  # type: ignore[arg-type]

    async def update(self, username: str, role: str, reply_id: str, data: dict[str, Any]) -> CannedReply:
        key, reply = await self._find(username, role, reply_id)
        reply.update({"title": _field(data, "title", MAX_TITLE_CHARS), "text": _field(data, "text", MAX_TEXT_CHARS),
                      "updated_at": now_iso(), "updated_by": username})
        await self.redis.hset(key, reply_id, json.dumps(reply, ensure_ascii=False))
        return reply

    async def delete(self, username: str, role: str, reply_id: str) -> None:
        key, _ = await self._find(username, role, reply_id)
        await self.redis.hdel(key, reply_id)
