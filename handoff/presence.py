"""Agent presence: a ZSET of last heartbeat times plus each agent's chosen status (online / away).

An agent counts as available for new handoffs when heard from within ``AGENT_TIMEOUT_S`` and ``online``.
The reaper (``handoff.reaper``) drops silent agents and puts their conversations back in the queue.
"""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from handoff import lua
from handoff.keys import Keys
from handoff.redis_text import text


class Presence:
    def __init__(self, redis: aioredis.Redis, keys: Keys, timeout_s: int) -> None:
        self.redis = redis
        self.keys = keys
        self.timeout_s = timeout_s
        self._drop = redis.register_script(lua.DROP_STALE)

    async def beat(self, username: str, status: str | None = None) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(self.keys.presence, {username: time.time()})
            if status is not None:
                pipe.hset(self.keys.presence_status, username, status)
            await pipe.execute()

    async def beat_many(self, usernames: list[str]) -> None:
        if usernames:
            now = time.time()
            await self.redis.zadd(self.keys.presence, dict.fromkeys(usernames, now))

    async def leave(self, username: str) -> None:
        """Explicit logout: not available any more (their conversations wait for the reaper's timeout)."""
        await self.redis.hset(self.keys.presence_status, username, "away")

    async def online(self) -> list[str]:
        cutoff = time.time() - self.timeout_s
        names = [text(n) for n in await self.redis.zrangebyscore(self.keys.presence, cutoff, "+inf")]
        if not names:
            return []
        statuses = await self.redis.hmget(self.keys.presence_status, names)
        return [n for n, s in zip(names, statuses, strict=True) if (s or b"online") == b"online"]

    async def online_count(self) -> int:
        return len(await self.online())

    async def stale(self) -> tuple[list[str], float]:
        cutoff = time.time() - self.timeout_s
        names = await self.redis.zrangebyscore(self.keys.presence, "-inf", f"({cutoff}")
        return [text(n) for n in names], cutoff

    async def drop_if_stale(self, username: str, cutoff: float) -> bool:
        return bool(await self._drop(keys=[self.keys.presence], args=[username, cutoff]))
