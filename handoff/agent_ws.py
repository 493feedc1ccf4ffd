"""Agent websocket ``/ws/agent`` (docs/protocol.md §2): auth, queue, claim, chat, resolve, presence."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from handoff.accounts import Account
from handoff.appkeys import GATEWAY_KEY
from handoff.citizen_ws import WS_MAX_BYTES
from handoff.conn import Outbox, RateLimiter, check_origin, parse_limited, pump
from handoff.errors import AuthError, ConversationError, HandoffError, ProtocolError
from handoff.frames import AGENT_SPECS, error_frame
from handoff.gateway import Gateway
from handoff.queue import day_no

log = logging.getLogger(__name__)
AUTH_TIMEOUT_S = 10
STAFF_ROLES = ("agent", "supervisor")


class AgentSession:
    def __init__(self, gw: Gateway, ws: web.WebSocketResponse) -> None:
        self.gw = gw
        self.ws = ws
        self.account: Account | None = None
        self.watched: dict[str, int] = {}  # conversation id -> last seq delivered
        self.citizen_here: dict[str, tuple[bool, float]] = {}  # cid -> (present as last sent, when sent)
        self._listeners: dict[str, Any] = {}
        self.limiter = RateLimiter(gw.settings.agent_rate_per_s, gw.settings.agent_rate_burst)
        self.outbox = Outbox(ws, self.on_event)
        self._agent_listener = self.outbox.listener("agent")
        self._last_beat = 0.0

    @property
    def username(self) -> str:
        return self.account.username if self.account else ""

    # ---- outgoing -------------------------------------------------------------------------------------

    async def on_event(self, channel: str, event: dict[str, Any]) -> None:
        if channel == "agent":
            await self._on_agent_event(event)
            return
        cid = channel.removeprefix("conv:")
        if cid not in self.watched:
            return
        if event.get("_t") == "presence":
            self.citizen_presence(cid, bool(event.get("present")), time.time())
            return
        if event.get("_t") == "typing":
            if event.get("from") == "citizen":
                await self.outbox.send({"type": "typing", "conversation_id": cid, "from": "citizen",
                                        "active": bool(event.get("active"))})
            return
        seq = event.get("seq")
        if event.get("_t") == "sync" or (isinstance(seq, int) and seq > self.watched[cid] + 1):
            for entry in await self.gw.conversations.entries(cid, self.watched[cid]):
                await self._deliver(cid, entry)
        elif isinstance(seq, int) and seq == self.watched[cid] + 1:
            await self._deliver(cid, event)

    async def _deliver(self, cid: str, entry: dict[str, Any]) -> None:
        if cid in self.watched and entry["seq"] > self.watched[cid]:
            self.watched[cid] = entry["seq"]
            await self.outbox.send({"type": "entry", "conversation_id": cid, "entry": entry})

    async def _on_agent_event(self, event: dict[str, Any]) -> None:
        cid = str(event.get("cid", ""))
        if event.get("op") == "assigned" and cid not in self.watched:
            await self._open(cid, 0, None, str(event.get("from") or "") or None)
        elif event.get("op") == "released":
            await self._unwatch(cid)
            await self.outbox.send({"type": "released", "conversation_id": cid, "reason": event.get("reason")})

    async def _watch(self, cid: str, last_seq: int) -> None:
        if cid in self.watched:
            return
        self.watched[cid] = last_seq
        listener = self._listeners[cid] = self.outbox.listener(f"conv:{cid}")
        await self.gw.hub.subscribe(self.gw.keys.ch_conv(cid), listener)

    def citizen_presence(self, cid: str, present: bool, seen_at: float) -> None:
        """Send ``citizen_presence`` when it changed. A page beat from before the close we were told about
        (``seen_at`` earlier than it) does not bring the citizen back."""
        last = self.citizen_here.get(cid)
        if last is not None and (last[0] == present or (present and seen_at <= last[1])):
            return
        self.citizen_here[cid] = (present, time.time())
        if last is not None:
            self.outbox.frame({"type": "citizen_presence", "conversation_id": cid, "present": present})

    async def _unwatch(self, cid: str) -> None:
        self.watched.pop(cid, None)
        self.citizen_here.pop(cid, None)
        listener = self._listeners.pop(cid, None)
        if listener is not None:
            await self.gw.hub.unsubscribe(self.gw.keys.ch_conv(cid), listener)

    async def _open(self, cid: str, after_seq: int, ref: str | None, transferred_from: str | None = None) -> None:
        """Send the conversation frame (entries after ``after_seq``); runs inside the writer."""
        meta = await self.gw.conversations.get(cid)
        await self._watch(cid, min(after_seq, int(meta.get("seq", 0))))
        entries = await self.gw.conversations.entries(cid, after_seq)
        if entries:
            self.watched[cid] = max(self.watched[cid], entries[-1]["seq"])
        handoff = json.loads(meta["handoff"]) if meta.get("handoff") else None
        seen = (await self.gw.citizen_seen([cid]))[0]
        present = time.time() - seen < self.gw.citizen_window_s
        self.citizen_here[cid] = (present, time.time())
        await self.outbox.send({
            "type": "conversation", "ref": ref, "conversation_id": cid, "state": meta.get("state"),
            "agent": meta.get("agent") or None, "locale": meta.get("locale", "ar"),
            "created_at": meta.get("created_at"), "handoff": handoff, "entries": entries,
            "day_no": day_no(meta), "citizen_present": present,
            **({"transferred_from": transferred_from} if transferred_from else {}),
        })

    async def revoked(self) -> None:
        await self.outbox.send({"type": "error", "code": "bad_token", "message": "session revoked: log in again"})
        # Not awaited here: closing ends the handler, which cancels this writer task.
        self.gw.spawn(self.ws.close(code=4401, message=b"revoked"))

    # ---- incoming -------------------------------------------------------------------------------------

    async def run(self) -> None:
        asyncio.get_running_loop().call_later(AUTH_TIMEOUT_S, self._auth_deadline)
        await pump(self.ws, self.on_text)

    def _auth_deadline(self) -> None:
        if self.account is None and not self.ws.closed:
            self.gw.spawn(self.ws.close(code=4401, message=b"auth timeout"))

    def error(self, exc: HandoffError, ref: str | None = None, cid: str | None = None,
              msg_id: str | None = None) -> None:
        # msg_id too: the console must know which reply to resend (internal) or give back (refused).
        pe = exc if isinstance(exc, ProtocolError) else ProtocolError(exc.code, exc.message, msg_id, ref)
        frame: dict[str, Any] = dict(error_frame(pe))
        if cid:
            frame["conversation_id"] = cid
        self.gw.metrics.rejected.labels(pe.code).inc()
        self.outbox.frame(frame)

    async def on_text(self, raw: str | None) -> None:
        """One incoming frame (``None``: a binary one, refused)."""
        ref = cid = msg_id = None
        try:
            frame = parse_limited(raw, AGENT_SPECS, self.gw.settings.max_frame_bytes, self.limiter)
            ref, cid, msg_id = frame.get("ref"), frame.get("conversation_id"), frame.get("msg_id")
            if frame["type"] != "auth" and self.account is None:
                raise ProtocolError("not_authenticated", "send auth with the token from /api/login first")
            if self.account is not None:
                await self._beat()
            await getattr(self, f"on_{frame['type']}")(frame)
        except HandoffError as exc:
            self.error(exc, ref, cid, msg_id)
        except RedisError as exc:
            log.error("redis error handling an agent frame: %s", type(exc).__name__)
            self.error(HandoffError("storage unavailable: resend later", "internal"), ref, cid, msg_id)

    async def _beat(self, status: str | None = None) -> None:
        if status is not None or time.monotonic() - self._last_beat > 1.0:
            self._last_beat = time.monotonic()
            await self.gw.presence.beat(self.username, status)

    async def on_auth(self, frame: dict[str, Any]) -> None:
        if self.account is not None:
            raise ProtocolError("invalid_frame", "already authenticated")
        try:
            account = await self.gw.accounts.from_token(frame["token"])
        except AuthError as exc:
            self.error(ProtocolError("bad_token", exc.message))
            self.gw.spawn(self.ws.close(code=4401, message=b"bad token"))
            return
        if account.role not in STAFF_ROLES:
            self.error(ProtocolError("forbidden", "the agent console needs the role agent or supervisor"))
            self.gw.spawn(self.ws.close(code=4403, message=b"forbidden"))
            return
        self.account = account
        self.gw.agents.add(self)
        await self._beat("online")
        await self.gw.hub.subscribe(self.gw.keys.ch_agent(account.username), self._agent_listener)
        assigned = await self.gw.queue.assigned(account.username)
        for cid in assigned:
            await self._watch(cid, await self.gw.conversations.last_seq(cid))
        self.outbox.frame({
            "type": "auth_ok", "agent": {"username": account.username, "display_name": account.display_name,
                                         "role": account.role},
            "assigned": assigned, "heartbeat_s": self.gw.settings.agent_heartbeat_s,
            "timeout_s": self.gw.settings.agent_timeout_s,
        })
        await self.on_get_queue({})
        log.info("agent connected", extra={"agent": account.username})

    async def on_get_queue(self, frame: dict[str, Any]) -> None:
        items = await self.gw.queue.snapshot()
        online = await self.gw.presence.online_count()
        self.outbox.frame({"type": "queue", "ref": frame.get("ref"), "items": items, "agents_online": online})

    async def on_claim(self, frame: dict[str, Any]) -> None:
        cid = frame["conversation_id"]
        assert self.account is not None
        _, wait = await self.gw.queue.claim(cid, self.username, self.account.display_name)
        self.gw.metrics.wait_to_pickup.observe(wait)
        log.info("claimed", extra={"agent": self.username, "cid": cid, "wait_s": round(wait, 1)})
        await self.gw.analytics.emit("handoff.claimed", cid, agent=self.username, wait_s=round(wait, 3))
        self.outbox.call(functools.partial(self._open, cid, 0, frame.get("ref")))
        await self.gw.publish_agent(self.username, {"op": "assigned", "cid": cid})

    async def _owned(self, cid: str) -> dict[str, str]:
        meta = await self.gw.conversations.get(cid)
        if meta.get("agent") != self.username and (self.account and self.account.role) != "supervisor":
            raise ConversationError(f"conversation {cid} is not assigned to you", "not_assigned")
        return meta

    async def on_open(self, frame: dict[str, Any]) -> None:
        cid = frame["conversation_id"]
        await self._owned(cid)
        self.outbox.call(functools.partial(self._open, cid, frame.get("after_seq", 0), frame.get("ref")))

    async def on_message(self, frame: dict[str, Any]) -> None:
        cid = frame["conversation_id"]
        assert self.account is not None
        entry = {"type": "agent_message", "text": frame["text"], "agent_name": self.account.display_name}
        try:
            res = await self.gw.conversations.append(cid, entry, msg_id=frame["msg_id"],
                                                     cond=("agent", self.username))
        except ConversationError as exc:
            if exc.code != "wrong_state":
                raise
            raise ConversationError(f"conversation {cid} is not assigned to you", "not_assigned") from None
        self.outbox.frame({"type": "ack", "conversation_id": cid, "msg_id": frame["msg_id"], "seq": res.seq})
        if res.stored:
            self.gw.metrics.messages.labels("agent").inc()

    async def on_typing(self, frame: dict[str, Any]) -> None:
        if frame["conversation_id"] in self.watched:
            await self.gw.conversations.publish_typing(frame["conversation_id"], "agent", frame["active"])

    async def _release(self, frame: dict[str, Any], reason: str) -> None:
        cid = frame["conversation_id"]
        try:
            if reason == "resolved":
                await self.gw.queue.resolve(cid, self.username, frame["outcome"], frame.get("note", ""))
                self.gw.metrics.resolved.labels(frame["outcome"]).inc()
            else:
                await self.gw.queue.return_to_bot(cid, self.username)
        except ConversationError as exc:
            raise ConversationError(f"conversation {cid} is not assigned to you ({exc.code})", "not_assigned") from None
        self.outbox.frame({"type": "ok", "ref": frame.get("ref")})
        await self.gw.publish_agent(self.username, {"op": "released", "cid": cid, "reason": reason})
        outcome = frame["outcome"] if reason == "resolved" else reason
        await self.gw.analytics.emit("handoff.ended", cid, agent=self.username, outcome=outcome)
        if reason == "resolved":
            await self.gw.analytics.emit("conversation.ended", cid, how=outcome)

    async def on_resolve(self, frame: dict[str, Any]) -> None:
        await self._release(frame, "resolved")

    async def on_return_to_bot(self, frame: dict[str, Any]) -> None:
        await self._release(frame, "returned_to_bot")

    async def _staff(self, username: str) -> dict[str, str] | None:
        account = await self.gw.accounts.get(username)
        ok = account is not None and account.get("disabled") != "1" and account.get("role") in STAFF_ROLES
        return account if ok else None

    async def on_list_agents(self, frame: dict[str, Any]) -> None:
        """Online colleagues a chat can be transferred to."""
        items = []
        for username in sorted(await self.gw.presence.online()):
            account = await self._staff(username) if username != self.username else None
            if account is not None:
                items.append({"username": username, "display_name": account.get("display_name") or username})
        self.outbox.frame({"type": "agents", "ref": frame.get("ref"), "items": items})

    async def on_transfer(self, frame: dict[str, Any]) -> None:
        cid, to = frame["conversation_id"], frame["to"]
        assert self.account is not None
        account = await self._staff(to) if to != self.username else None
        if account is None:
            raise ConversationError(f"{to!r} is not another agent's username", "unknown_agent")
        if to not in await self.gw.presence.online():
            raise ConversationError(f"{to} is not online", "agent_offline")
        try:
            await self.gw.queue.transfer(cid, self.username, to, account.get("display_name") or to)
        except ConversationError as exc:
            if exc.code == "target_offline":
                raise ConversationError(f"{to} is not online", "agent_offline") from None
            raise ConversationError(f"conversation {cid} is not assigned to you ({exc.code})", "not_assigned") from None
        log.info("transferred", extra={"agent": self.username, "cid": cid, "to": to})
        self.outbox.frame({"type": "ok", "ref": frame.get("ref")})
        await self.gw.publish_agent(self.username, {"op": "released", "cid": cid, "reason": "reassigned"})
        await self.gw.publish_agent(to, {"op": "assigned", "cid": cid, "from": self.account.display_name})

    async def on_list_callbacks(self, frame: dict[str, Any]) -> None:
        items = await self.gw.callbacks.list()
        self.outbox.frame({"type": "callbacks", "ref": frame.get("ref"), "items": items})

    async def on_callback_done(self, frame: dict[str, Any]) -> None:
        await self.gw.callbacks.mark_done(frame["callback_id"], self.username)
        self.outbox.frame({"type": "ok", "ref": frame.get("ref")})

    async def on_presence(self, frame: dict[str, Any]) -> None:
        await self._beat(frame["status"])
        self.outbox.frame({"type": "presence", "status": frame["status"]})

    async def on_heartbeat(self, frame: dict[str, Any]) -> None:
        await self._beat()

    async def on_ping(self, frame: dict[str, Any]) -> None:
        self.outbox.frame({"type": "pong"})

    async def close(self) -> None:
        for cid in list(self.watched):
            await self._unwatch(cid)
        if self.account is not None:
            await self.gw.hub.unsubscribe(self.gw.keys.ch_agent(self.username), self._agent_listener)


async def agent_ws(request: web.Request) -> web.WebSocketResponse:
    gw = request.app[GATEWAY_KEY]
    check_origin(request, gw)
    # Transport-level ping/pong finds a vanished browser well within the presence timeout.
    ping_s = max(2.0, gw.settings.agent_timeout_s / 3)
    ws = web.WebSocketResponse(max_msg_size=WS_MAX_BYTES, heartbeat=ping_s)
    await ws.prepare(request)
    session = AgentSession(gw, ws)
    try:
        await session.run()
    finally:
        gw.agents.discard(session)
        await session.close()
        await session.outbox.close()
    return ws
