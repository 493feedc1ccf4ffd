"""The gateway's services in one object, plus its background loops (reaper, queue fan-out, positions)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError

from analytics.emitter import Emitter
from common.redisconn import async_client
from common.tasks import cancel_and_wait
from handoff import leaving
from handoff.accounts import AccountStore
from handoff.callbacks import Callbacks
from handoff.conversations import ConversationStore
from handoff.csat import CsatScores
from handoff.errors import ConversationError
from handoff.feedback import FeedbackStore
from handoff.followups import Followups
from handoff.hours import BusinessHours
from handoff.hub import Hub
from handoff.keys import Keys
from handoff.lua import require_redis_version
from handoff.metrics import Metrics
from handoff.presence import Presence
from handoff.protocol import QueueAddedFrame, QueueRemovedFrame
from handoff.queue import Queue
from handoff.rasa import RasaClient
from handoff.sessions import AgentSocket, CitizenSocket
from handoff.settings import Settings
from handoff.stranded import beat_citizens, read_queue, sweep_queue
from handoff.throttle import NewConversationLimit

log = logging.getLogger(__name__)


class Gateway:
    def __init__(self, settings: Settings) -> None:
        s = settings
        self.settings = s
        self.keys = Keys(s.redis_prefix)
        # A blocking pool: a burst of sockets waits for a free connection instead of failing.
        self.redis = async_client(s.redis_target, max_connections=64, health_check_interval=30)
        self.metrics = Metrics()
        self.hours: BusinessHours = s.hours
        self.conversations = ConversationStore(self.redis, self.keys, s.conversation_ttl_s,
                                               (s.redis_wait_replicas, s.redis_wait_timeout_ms))
        self.presence = Presence(self.redis, self.keys, s.agent_timeout_s)
        self.queue = Queue(self.redis, self.keys, self.presence, s.conversation_ttl_s, s.default_wait_s,
                           s.priority_step_s, tz=ZoneInfo(s.timezone))
        self.callbacks = Callbacks(self.redis, self.keys, s.conversation_ttl_s)
        self.csat = CsatScores(self.redis, self.keys)
        self.feedback = FeedbackStore(self.redis, self.keys, s.conversation_ttl_s)
        self.followups = Followups(self.redis, self.keys, s.followup_due_s, s.callback_number_retention_s)
        self.new_conversations = NewConversationLimit(self.redis, self.keys, s.citizen_new_conversations_per_hour)
        self.accounts = AccountStore(self.redis, self.keys, s.session_ttl_s, s.login_max_failures, s.login_lock_s)
        self.rasa = RasaClient(s.rasa_url, s.rasa_timeout_s)
        # Conversation outcomes for analytics (#14): one Redis stream, read by `python -m analytics consume`.
        self.analytics = Emitter(self.redis, s.redis_prefix)
        self.bot_silent = False  # the last bot turn came back empty (flow._turn); /health reports it
        self.hub = Hub(lambda: async_client(s.redis_target, socket_connect_timeout=5))
        self.citizens: set[CitizenSocket] = set()
        self.agents: set[AgentSocket] = set()
        self.turn_locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}
        self._queue_dirty = asyncio.Event()
        self._events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def turn(self, cid: str) -> AsyncIterator[None]:
        """Bot turns of one conversation run one at a time, in arrival order (asyncio.Lock is FIFO)."""
        entry = self.turn_locks.get(cid)
        if entry is None:
            entry = self.turn_locks[cid] = (asyncio.Lock(), [0])
        entry[1][0] += 1
        try:
            async with entry[0]:
                yield
        finally:
            entry[1][0] -= 1
            if entry[1][0] == 0:
                del self.turn_locks[cid]

    def spawn(self, coro: Any) -> None:
        """A background task that outlives the socket that started it (awaited on shutdown)."""
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def start(self) -> None:
        await require_redis_version(self.redis)
        await self.hub.start()
        k = self.keys
        await self.hub.subscribe(k.ch_queue, lambda e: self._events.put_nowait(("queue", e)))
        await self.hub.subscribe(k.ch_callbacks, lambda e: self._events.put_nowait(("callbacks", e)))
        await self.hub.subscribe(k.ch_revoked, self._on_revoked)
        self._tasks += [asyncio.create_task(t) for t in (self._reaper(), self._positions(), self._fanout())]

    async def stop(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=5)
        await cancel_and_wait(self._tasks)
        await self.hub.stop()
        await self.rasa.close()
        await self.redis.aclose()

    # ---- fan-out of queue and callback events to this process's agent sockets -------------------------

    async def _fanout(self) -> None:
        """One consumer, so agents see queue events in the order Redis published them."""
        while True:
            channel, event = await self._events.get()
            try:
                await (self._on_queue(event) if channel == "queue" else self._on_callback(event))
            except RedisError as exc:
                log.warning("fan-out: redis error %s", type(exc).__name__)

    async def _on_queue(self, event: dict[str, Any]) -> None:
        self._queue_dirty.set()
        if event.get("_t") == "sync" or not self.agents:
            return
        cid = str(event.get("cid", ""))
        if event.get("op") == "added":
            item = await self.queue.item(cid)
            if item is None:
                return
            frame: QueueAddedFrame | QueueRemovedFrame = {"type": "queue_added", "item": item}
        else:
            removed: QueueRemovedFrame = {"type": "queue_removed", "conversation_id": cid,
                                          "reason": event.get("reason", "claimed")}
            if event.get("by"):
                removed["by"] = event["by"]
            frame = removed
        for agent in list(self.agents):
            if agent.account is not None:
                agent.outbox.frame(frame)

    async def _on_callback(self, event: dict[str, Any]) -> None:
        if event.get("op") != "added" or not self.agents:
            return
        item = await self.callbacks.get(str(event.get("id", "")))
        if item is not None:
            for agent in list(self.agents):
                if agent.account is not None:
                    agent.outbox.frame({"type": "callback_added", "item": item})

    def _on_revoked(self, event: dict[str, Any]) -> None:
        if event.get("_t") == "sync":  # revocations published while pub/sub was down are lost: re-check
            self.spawn(self._check_sessions_soon())
            return
        for agent in list(self.agents):
            if agent.account is not None and agent.account.token_hash == event.get("token_hash"):
                agent.outbox.call(agent.revoked)

    async def check_sessions(self) -> int:
        """Close agent sockets whose session expired or was revoked unseen; returns how many."""
        live = [a for a in list(self.agents) if a.account is not None and not a.ws.closed]
        if not live:
            return 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for agent in live:
                pipe.exists(self.keys.session(agent.account.token_hash if agent.account else ""))
            found = await pipe.execute()
        gone = [agent for agent, exists in zip(live, found, strict=True) if not exists]
        for agent in gone:
            agent.outbox.call(agent.revoked)
        return len(gone)

    async def _check_sessions_soon(self) -> None:
        try:
            await self.check_sessions()
        except RedisError as exc:  # the reaper checks again shortly
            log.warning("session check: redis error %s", type(exc).__name__)

    # ---- background loops --------------------------------------------------------------------------------

    async def _reaper(self) -> None:
        """Put the conversations of silent agents back in the queue (every gateway runs this; it is idempotent).

        Agents whose socket is open here count as alive even if their console's timer is throttled (a
        background browser tab): the socket itself is checked by websocket ping/pong, so a vanished
        browser or a dead gateway process still stops the refresh and the timeout applies.
        """
        interval = max(0.5, self.settings.agent_timeout_s / 5)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.presence.beat_many([a.username for a in self.agents if a.account and not a.ws.closed])
                await self.reap_once()
                await beat_citizens(self, await self._pages_watched_here())
                await sweep_queue(self)
                await self.sweep_citizen_presence()
                await leaving.sweep(self)
                await self.check_sessions()
            except RedisError as exc:
                log.warning("reaper: redis error %s", type(exc).__name__)

    async def _pages_watched_here(self) -> list[str]:
        """Conversations with a page open on this gateway whose presence someone reads: queued or held ones
        (queue absence, the console's mark) and those on the 👎 watch list (leaving.py)."""
        pages = [c for c in list(self.citizens) if c.cid and not c.ws.closed]
        held = {c.cid for c in pages if c.cid and c.state in ("queued", "with_agent")}
        rest = sorted({c.cid for c in pages if c.cid} - held)
        return sorted(held) + await leaving.watched(self, rest)

    @property
    def citizen_window_s(self) -> float:
        """A citizen whose page beat (citizen_seen) within this is connected: three reaper passes."""
        return 3 * max(0.5, self.settings.agent_timeout_s / 5)

    async def citizen_seen(self, cids: list[str]) -> list[float]:
        """When a page of each conversation was last open on any gateway (epoch s; 0: never)."""
        raw = await self.redis.mget([self.keys.citizen_seen(cid) for cid in cids]) if cids else []
        return [float(v or 0) for v in raw]

    async def sweep_citizen_presence(self) -> None:
        """Tell this process's agents when a held chat's citizen went silent without closing the page (lost
        network) or came back on another gateway; closing and opening a page are pushed at once (citizen_ws)."""
        sessions = [a for a in list(self.agents) if a.account is not None and a.watched]
        cids = sorted({cid for a in sessions for cid in a.watched})
        seen = dict(zip(cids, await self.citizen_seen(cids), strict=True))
        now = time.time()
        for agent in sessions:
            for cid in list(agent.watched):
                at = seen.get(cid, 0.0)
                agent.citizen_presence(cid, now - at < self.citizen_window_s, at)

    async def reap_once(self) -> int:
        requeued = 0
        stale, cutoff = await self.presence.stale()
        for username in stale:
            for cid in await self.queue.assigned(username):
                try:
                    await self.queue.requeue(cid, username, cutoff)
                except ConversationError as exc:
                    if exc.code == "agent_alive":
                        break
                    await self.redis.srem(self.keys.agent_convs(username), cid)  # closed or moved on
                    continue
                requeued += 1
                self.metrics.requeued.inc()
                log.info("requeued after agent timeout", extra={"agent": username, "cid": cid})
                await self.publish_agent(username, {"op": "released", "cid": cid, "reason": "timeout"})
            await self.presence.drop_if_stale(username, cutoff)
        return requeued

    async def publish_agent(self, username: str, event: dict[str, Any]) -> None:
        await self.redis.publish(self.keys.ch_agent(username), json.dumps(event))

    async def _positions(self) -> None:
        """Tell queued citizens on this process their new position, at most every 2 s.

        Every process runs this for its own sockets when a queue event reaches it over Redis pub/sub, so
        sockets of one conversation on different processes are all told. The last position sent is kept per
        socket, not per conversation: a second tab, or a resumed socket while the old one is still
        registered, must get the frame too. Weak keys: a closed socket's entry goes with it.
        """
        last: weakref.WeakKeyDictionary[CitizenSocket, int] = weakref.WeakKeyDictionary()
        while True:
            await self._queue_dirty.wait()
            self._queue_dirty.clear()
            await asyncio.sleep(2.0)
            queued = [c for c in list(self.citizens) if c.cid and c.state == "queued"]
            if not queued:
                continue
            try:
                await self._send_positions(queued, last)
            except RedisError as exc:
                log.warning("positions: redis error %s", type(exc).__name__)

    async def _send_positions(self, queued: list[CitizenSocket],
                              last: weakref.WeakKeyDictionary[CitizenSocket, int]) -> None:
        # Citizens who left the page (flagged absent) do not count ahead of anyone (stranded.py).
        present = [w.cid for w in await read_queue(self) if not w.absent]
        ranks = {cid: i for i, cid in enumerate(present)}
        avg, online = await self.queue.avg_wait_s(), await self.presence.online_count()
        for session in queued:
            rank = ranks.get(session.cid or "")
            if rank is None or last.get(session) == rank + 1:
                continue
            position = last[session] = int(rank) + 1
            est = int(-(-position * avg // max(1, online)))
            session.outbox.frame({"type": "queue_position", "position": position, "estimated_wait_s": est})

    def update_gauges(self) -> None:
        self.metrics.connections.labels("citizen").set(len(self.citizens))
        self.metrics.connections.labels("agent").set(len(self.agents))

    async def refresh_metrics(self) -> None:
        self.update_gauges()
        self.metrics.queue_length.set(await self.queue.length())
        self.metrics.agents_online.set(await self.presence.online_count())

    def is_open(self) -> bool:
        return self.hours.is_open()

    def next_open(self) -> str | None:
        nxt = self.hours.next_open()
        return None if nxt is None else nxt.isoformat().replace("+00:00", "Z")

    @staticmethod
    def now() -> float:
        return time.time()
