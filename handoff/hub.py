"""Fan-out between gateway processes through Redis pub/sub.

One pub/sub connection per process; local listeners register per channel. Pub/sub is lossy (a dropped
connection misses messages), so it only *notifies*: listeners keep the last ``seq`` they delivered and
fill any gap from the transcript stream. After every (re)subscription listeners get a ``{"_t": "sync"}``
event so they re-read whatever they might have missed while not subscribed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]
SYNC: dict[str, Any] = {"_t": "sync"}


class Hub:
    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        self.listeners: dict[str, set[Listener]] = {}
        self._client: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hub")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()

    async def _close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError, RuntimeError):
                await self._pubsub.aclose()
        if self._client is not None:
            with contextlib.suppress(RedisError, OSError, RuntimeError):
                await self._client.aclose()
        self._pubsub = self._client = None

    async def subscribe(self, channel: str, listener: Listener) -> None:
        async with self._lock:
            first = channel not in self.listeners
            self.listeners.setdefault(channel, set()).add(listener)
            if first and self._pubsub is not None:
                try:
                    await self._pubsub.subscribe(channel)
                except (RedisError, OSError):
                    log.warning("subscribe failed; will resubscribe on reconnect")

    async def unsubscribe(self, channel: str, listener: Listener) -> None:
        async with self._lock:
            group = self.listeners.get(channel)
            if group is None:
                return
            group.discard(listener)
            if not group:
                del self.listeners[channel]
                if self._pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await self._pubsub.unsubscribe(channel)

    def _dispatch(self, channel: str, event: dict[str, Any]) -> None:
        for listener in list(self.listeners.get(channel, ())):
            try:
                listener(event)
            except Exception:
                log.exception("hub listener failed")

    async def _connect(self) -> None:
        self._client = aioredis.Redis.from_url(self.redis_url, health_check_interval=15)
        self._pubsub = self._client.pubsub()
        async with self._lock:
            channels = list(self.listeners)
            # redis-py stops listening when nothing is subscribed: keep one channel of our own.
            await self._pubsub.subscribe("_hub_keepalive", *channels)

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._connect()
                delay = 0.2
                await self._listen()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError, RuntimeError) as exc:
                log.warning("pub/sub connection lost (%s); reconnecting", type(exc).__name__)
            await self._close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self) -> None:
        async for message in self._pubsub.listen():
            kind = message["type"]
            channel = message["channel"].decode()
            if kind == "subscribe":
                self._dispatch(channel, SYNC)
            elif kind == "message":
                try:
                    event = json.loads(message["data"])
                except ValueError:
                    continue
                self._dispatch(channel, event)
