"""Per-socket plumbing: the rate limiter and the writer's backlog limit (unit tests with a stub socket)."""

from __future__ import annotations

import asyncio
from typing import Any

from handoff.conn import Outbox, RateLimiter
from tests.waiting import wait_for


class StuckSocket:
    """A peer that never reads: every send blocks."""

    def __init__(self) -> None:
        self.closed = False
        self.close_code: int | None = None

    async def send_str(self, data: str) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int = 1000, message: bytes = b"") -> bool:
        self.closed, self.close_code = True, code
        return True


async def test_a_peer_that_stops_reading_is_disconnected_not_buffered_forever() -> None:
    ws = StuckSocket()

    async def on_event(channel: str, event: dict[str, Any]) -> None:
        return None

    outbox = Outbox(ws, on_event)  # type: ignore[arg-type]
    outbox.MAX_BACKLOG = 50
    for i in range(200):
        outbox.frame({"type": "pong", "i": i})
    async def closed() -> bool:
        return ws.closed
    await wait_for(closed, within=10, what="the stuck peer disconnected")
    assert ws.close_code == 1013
    assert outbox.queue.qsize() <= 50
    await outbox.close()


def test_rate_limiter_allows_bursts_then_the_sustained_rate() -> None:
    limiter = RateLimiter(rate=5, burst=20)
    allowed = sum(limiter.allow() for _ in range(100))
    assert allowed == 20
