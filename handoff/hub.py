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

from common.tasks import cancel_and_wait

log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]
SYNC: dict[str, Any] = {"_t": "sync"}


class Hub:
    """All use of the pub/sub connection happens in one task (redis-py's PubSub is not safe to share):
    (un)subscriptions are queued and applied between short reads."""

    POLL_S = 0.05

    def __init__(self, connect: Callable[[], aioredis.Redis]) -> None:
        """``connect`` makes a fresh client (through Sentinel when configured: a reconnect finds the new primary)."""
        self.connect = connect
        self.listeners: dict[str, set[Listener]] = {}
        self._pending: set[str] = set()  # channels whose subscription must be (re)checked
        self._subscribed: set[str] = set()
        self._client: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hub")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=2)
            if not done:
                await cancel_and_wait([self._task], within=2)
        await self._close()

    async def _close(self) -> None:
        pubsub, client = self._pubsub, self._client
        self._pubsub = self._client = None
        if pubsub is not None:
            with contextlib.suppress(RedisError, OSError, RuntimeError, TimeoutError):
                await asyncio.wait_for(pubsub.aclose(), 2)
        if client is not None:
            with contextlib.suppress(RedisError, OSError, RuntimeError, TimeoutError):
                await asyncio.wait_for(client.aclose(), 2)

    async def subscribe(self, channel: str, listener: Listener) -> None:
        group = self.listeners.setdefault(channel, set())
        group.add(listener)
        if len(group) == 1:
            self._pending.add(channel)

    async def unsubscribe(self, channel: str, listener: Listener) -> None:
        group = self.listeners.get(channel)
        if group is None:
            return
        group.discard(listener)
        if not group:
            del self.listeners[channel]
            self._pending.add(channel)

    def _dispatch(self, channel: str, event: dict[str, Any]) -> None:
        for listener in list(self.listeners.get(channel, ())):
            try:
                listener(event)
            except Exception:
                log.exception("hub listener failed")

    async def _connect(self) -> None:
        self._client = self.connect()
        self._pubsub = self._client.pubsub()
        self._pending.clear()
        self._subscribed = set(self.listeners)
        # redis-py stops listening when nothing is subscribed: keep one channel of our own.
        await self._pubsub.subscribe("_hub_keepalive", *self._subscribed)

    async def _apply_pending(self) -> None:
        pending, self._pending = self._pending, set()
        add = [c for c in pending if c in self.listeners and c not in self._subscribed]
        drop = [c for c in pending if c not in self.listeners and c in self._subscribed]
        if add:
            self._subscribed.update(add)
            await self._pubsub.subscribe(*add)
        if drop:
            self._subscribed.difference_update(drop)
            await self._pubsub.unsubscribe(*drop)

    async def _run(self) -> None:
        delay = 0.2
        while not self._stopping:
            try:
                await self._connect()
                delay = 0.2
                await self._listen()
            except (RedisError, OSError, RuntimeError) as exc:
                log.warning("pub/sub connection lost (%s); reconnecting", type(exc).__name__)
            await self._close()
            if not self._stopping:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _listen(self) -> None:
        while not self._stopping:
            if self._pending:
                await self._apply_pending()
            message = await self._pubsub.get_message(timeout=self.POLL_S)
            if message is None:
                continue
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
