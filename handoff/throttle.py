"""Per-client-IP limit on new citizen conversations, counted in Redis so it holds across gateway processes."""

from __future__ import annotations

import redis.asyncio as aioredis

from handoff.errors import ConversationError
from handoff.keys import Keys

WINDOW_S = 3600


class NewConversationLimit:
    """At most ``per_hour`` ``start`` frames per client IP in a window that opens with the first one."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, per_hour: int) -> None:
        self.redis = redis
        self.keys = keys
        self.per_hour = per_hour

    async def reserve(self, ip: str) -> None:
        """Count one new conversation for ``ip``; ConversationError(too_many_conversations) over the limit.

        INCR before the check in one MULTI: two sockets (or two processes) starting at once cannot both
        take the last slot. Refused attempts stay counted, but the window's expiry is never extended.
        """
        key = self.keys.new_conversations(ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW_S, nx=True)
            pipe.ttl(key)
            count, _, ttl = await pipe.execute()
        if int(count) > self.per_hour:
            raise ConversationError(
                f"too many new conversations from this address: retry in {max(1, int(ttl))} s",
                "too_many_conversations")
