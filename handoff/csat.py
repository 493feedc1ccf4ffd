"""CSAT results: what citizens answered to "how satisfied are you?" after a conversation closed."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from common.clock import now_iso
from handoff.keys import Keys


class CsatScores:
    """The citizens' satisfaction answers: a count per score (the summary) and a stream of every answer."""

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
