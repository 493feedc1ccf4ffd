"""Citizen websocket ``/ws/chat`` (docs/protocol.md §1).

Each socket keeps ``last_sent``, the highest transcript seq it delivered; live notifications with a
higher seq than ``last_sent + 1`` are completed from the stream first, so the citizen sees every entry
exactly once and in order, whichever gateway process stored it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import WSCloseCode, web
from redis.exceptions import RedisError

from common.logs import conversation_id as conversation_ctx
from handoff import feedback, flow
from handoff import protocol as p
from handoff.appkeys import GATEWAY_KEY
from handoff.conn import Outbox, RateLimiter, check_origin, client_ip, parse_limited, pump
from handoff.conversations import AppendResult, TooManyPending, stored_entry
from handoff.errors import ConversationError, HandoffError, ProtocolError
from handoff.frames import CITIZEN_FRAMES, MAX_TEXT_CHARS, Routes, envelope, error_frame, route
from handoff.gateway import Gateway
from handoff.rasa import RasaUnavailable
from handoff.stranded import beat_citizens

log = logging.getLogger(__name__)
WS_MAX_BYTES = 65536
# Close code for a socket that never sent a successful start/resume (4000 + HTTP 408 Request Timeout).
HANDSHAKE_TIMEOUT_CLOSE = 4408
# Two tabs and a reconnect are normal; twenty sockets on one conversation are an attack on the bot's budget.
MAX_SOCKETS_PER_CONVERSATION = 5


class CitizenSession:
    def __init__(self, gw: Gateway, ws: web.WebSocketResponse, ip: str = "-") -> None:
        self.gw = gw
        self.ws = ws
        self.ip = ip
        self.cid: str | None = None
        self.state = "bot"
        self.last_sent = 0
        self.limiter = RateLimiter(gw.settings.citizen_rate_per_s, gw.settings.citizen_rate_burst)
        self.outbox = Outbox(ws, self.on_event)
        self._listener = self.outbox.listener("conv")
        self._retrying_pending = False

    # ---- outgoing -------------------------------------------------------------------------------------

    async def on_event(self, channel: str, event: dict[str, Any]) -> None:
        if event.get("_t") == "presence":
            return  # for the agents
        if event.get("_t") == "typing":
            if event.get("from") != "citizen":
                active = bool(event.get("active"))
                await self.outbox.send({"type": "typing", "from": str(event.get("from")), "active": active})
            return
        seq = event.get("seq")
        if event.get("_t") == "sync" or (isinstance(seq, int) and seq > self.last_sent + 1):
            await self.catch_up()
        elif isinstance(seq, int) and seq == self.last_sent + 1:
            await self._deliver(stored_entry(event))

    async def catch_up(self) -> None:
        if self.cid is None:
            return
        for entry in await self.gw.conversations.transcript(self.cid, self.last_sent):
            await self._deliver(entry)

    async def _deliver(self, entry: p.TranscriptEntry) -> None:
        if entry["seq"] <= self.last_sent:
            return
        self.last_sent = entry["seq"]
        if entry["type"] == "status":
            self.state = entry["state"]
        await self.outbox.forward(entry)

    def error(self, exc: HandoffError, msg_id: str | None = None) -> None:
        pe = exc if isinstance(exc, ProtocolError) else ProtocolError(exc.code, exc.message, msg_id)
        self.gw.metrics.rejected.labels(pe.code).inc()
        self.outbox.frame(error_frame(pe))

    # ---- incoming -------------------------------------------------------------------------------------

    async def run(self) -> None:
        deadline = asyncio.get_running_loop().call_later(
            self.gw.settings.citizen_handshake_timeout_s, self._handshake_deadline)
        try:
            await pump(self.ws, self.on_text)
        finally:
            deadline.cancel()

    def _handshake_deadline(self) -> None:
        # An idle socket that never starts a conversation only holds a connection slot: drop it.
        if self.cid is None and not self.ws.closed:
            self.gw.spawn(self.ws.close(code=HANDSHAKE_TIMEOUT_CLOSE, message=b"send start or resume first"))

    async def on_text(self, raw: str | None) -> None:
        """One incoming frame (``None``: a binary one, refused)."""
        msg_id = None
        try:
            frame = parse_limited(raw, CITIZEN_FRAMES, self.gw.settings.max_frame_bytes, self.limiter)
            msg_id = envelope(frame)[0]
            kind = frame["type"]
            if self.cid is None and kind not in {"start", "resume", "ping"}:
                raise ProtocolError("not_started", "send start or resume first", msg_id)
            if self.cid is not None and kind in {"start", "resume"}:
                raise ProtocolError("already_started", "this socket already has a conversation", msg_id)
            await CITIZEN_ROUTES.handle(self, frame)
        except TooManyPending as exc:  # messages, buttons and feedback share the pending budget
            self._retry_stale_pending()
            self.error(exc, msg_id)
        except HandoffError as exc:
            self.error(exc, msg_id)
        except RedisError as exc:
            log.error("redis error handling a citizen frame: %s", type(exc).__name__)
            self.error(HandoffError("storage unavailable: resend later", "internal"), msg_id)

    async def _attach(self, cid: str) -> None:
        open_here = sum(1 for other in self.gw.citizens if other is not self and other.cid == cid)
        if open_here >= MAX_SOCKETS_PER_CONVERSATION:
            raise ConversationError("this conversation is open in too many tabs: close one and resume",
                                    "too_many_connections")
        self.cid = cid
        conversation_ctx.set(cid)
        await beat_citizens(self.gw, [cid])  # a citizen back on the page is present again at once
        await self.gw.hub.subscribe(self.gw.keys.ch_conv(cid), self._listener)
        await self.gw.conversations.publish_presence(cid, True)

    async def detach(self) -> None:
        if self.cid is not None:
            await self.gw.hub.unsubscribe(self.gw.keys.ch_conv(self.cid), self._listener)
            # The holding agent sees at once that the page closed (another tab elsewhere: the sweep corrects it).
            if not any(other.cid == self.cid for other in self.gw.citizens if other is not self):
                await self.gw.conversations.publish_presence(self.cid, False)

    def _typing(self, active: bool) -> None:
        self.outbox.frame({"type": "typing", "from": "bot", "active": active})

    async def _bot(self, text: str, msg_id: str | None, pending: bool = False) -> None:
        """Run the bot turn in the background: the socket keeps reading (and acking) meanwhile.

        The turn is not tied to this socket: if the citizen disconnects, the reply is still stored and
        replayed on resume. Turns of one conversation keep their order through the turn lock.
        """
        self.gw.spawn(self._bot_task(text, msg_id, pending))

    async def _bot_task(self, text: str, msg_id: str | None, pending: bool = False) -> None:
        try:
            await flow.bot_turn(self.gw, self.cid or "", text, self._typing, pending, input_id=msg_id)
        except RasaUnavailable as exc:
            self._bot_unavailable(exc, msg_id)
        except RedisError as exc:
            # The question is stored and still pending: say so rather than leave the citizen waiting.
            log.warning("bot turn failed: %s", type(exc).__name__)
            self.error(HandoffError("storage unavailable: your question is kept and will be answered", "internal"),
                       msg_id)
        except ConversationError as exc:
            log.warning("bot turn failed: %s", type(exc).__name__)

    def _bot_unavailable(self, exc: RasaUnavailable, msg_id: str | None = None) -> None:
        # The detail names Rasa's private address: for the log, not for the public socket.
        log.warning("bot turn failed: %s", exc.message)
        self.error(RasaUnavailable("the assistant did not answer; your message is stored: retry later "
                                   "or ask for a person"), msg_id)

    async def _recover(self) -> None:
        try:
            await flow.recover_pending(self.gw, self.cid or "", self._typing)
        except RasaUnavailable as exc:
            self._bot_unavailable(exc)
        except (RedisError, ConversationError) as exc:
            log.warning("retrying a pending bot turn failed: %s", type(exc).__name__)

    def _retry_stale_pending(self) -> None:
        """Inputs whose bot turn died with Redis (a fail-over mid-turn) stay on the pending list and would
        refuse this conversation for good while its socket stays open (a resume retries them, and none
        comes): retry them as a resume would. recover_pending does nothing while a turn of this
        conversation runs here, and waits until the oldest input's turn would have timed out."""
        if self._retrying_pending:
            return
        self._retrying_pending = True

        async def retry() -> None:
            try:
                await self._recover()
            finally:
                self._retrying_pending = False

        self.gw.spawn(retry())

    async def on_start(self, frame: p.StartFrame) -> None:
        await self.gw.new_conversations.reserve(self.ip)
        cid, token = await self.gw.conversations.create(frame.get("locale", "ar"))
        # The widget checks text against the gateway's own limits before sending: one limit, owned here.
        self.outbox.frame({"type": "started", "conversation_id": cid, "token": token, "last_seq": 0,
                           "max_text_chars": MAX_TEXT_CHARS, "max_frame_bytes": self.gw.settings.max_frame_bytes})
        await self._attach(cid)
        log.info("conversation started")
        await self.gw.analytics.emit("conversation.started", cid, channel="web", branch=frame.get("branch", ""),
                                     service=frame.get("service", ""), page=frame.get("page", ""),
                                     language=frame.get("locale", "ar"))
        if self.gw.settings.greeting_payload:
            await self._bot(self.gw.settings.greeting_payload, None)

    async def on_resume(self, frame: p.ResumeFrame) -> None:
        cid = frame["conversation_id"]
        meta = await self.gw.conversations.authenticate(cid, frame["token"])
        self.state = meta.get("state", "bot")
        server_seq = int(meta.get("seq", 0))
        self.last_sent = min(frame["last_seq"], server_seq)  # a client ahead of the server gets nothing skipped
        self.outbox.frame({"type": "resumed", "conversation_id": cid, "last_seq": server_seq,
                           "state": self.state if p.is_state(self.state) else "bot", "max_text_chars": MAX_TEXT_CHARS,
                           "max_frame_bytes": self.gw.settings.max_frame_bytes})
        await self._attach(cid)
        self.outbox.call(self.catch_up)
        if self.state == "bot":
            self.gw.spawn(self._recover())
        if self.state == "queued":
            position = await self.gw.queue.position(cid)
            if position is not None:
                est = await self.gw.queue.estimate(position)
                self.outbox.frame({"type": "queue_position", "position": position, "estimated_wait_s": est})

    async def _store_input(self, msg_id: str, entry: p.UserMessageBody | p.EventBody,
                           bot_input: str | None = None) -> bool:
        """Store a citizen input (idempotent by msg_id) and ack it. One Redis round trip.

        True if it is new. With ``bot_input`` and the bot in charge, the bot turn is started (and was
        recorded as pending in the same atomic step).
        """
        try:
            res = await self.gw.conversations.append(
                self.cid or "", entry, msg_id=msg_id, cond=("state", "bot,queued,with_agent"),
                bot_input=bot_input,
            )
        except ConversationError as exc:
            if exc.code == "wrong_state":
                raise ConversationError("the conversation is closed: start a new one", "closed") from None
            raise
        if res.stored and entry["type"] == "user_message":
            self.gw.metrics.messages.labels("citizen").inc()
        return await self._acked(msg_id, res, bot_input)

    async def _acked(self, msg_id: str, res: AppendResult, bot_input: str | None) -> bool:
        self.state = res.state or self.state
        self.outbox.frame({"type": "ack", "msg_id": msg_id, "seq": res.seq})
        if res.stored and bot_input and res.state == "bot":
            await self._bot(bot_input, msg_id, pending=True)
        return res.stored

    async def on_message(self, frame: p.MessageFrame) -> None:
        entry: p.UserMessageBody = {"type": "user_message", "msg_id": frame["msg_id"], "text": frame["text"],
                                    "payload": None}
        await self._store_input(frame["msg_id"], entry, bot_input=flow.typed_text(frame["text"]))

    async def on_button(self, frame: p.ButtonFrame) -> None:
        if not await self.gw.conversations.was_offered(self.cid or "", frame["payload"]):
            raise ProtocolError("invalid_payload", "this button was not offered in this conversation", frame["msg_id"])
        value = feedback.value_of(frame["payload"])
        if value is not None:  # 👍/👎 sent as the prompt's button: the same feedback, for the latest prompt
            await self._feedback(frame["msg_id"], value, None)
            return
        entry: p.UserMessageBody = {"type": "user_message", "msg_id": frame["msg_id"],
                                    "text": frame["title"] or frame["payload"],
                                    "payload": frame["payload"]}
        await self._store_input(frame["msg_id"], entry, bot_input=frame["payload"])

    async def on_feedback(self, frame: p.FeedbackFrame) -> None:
        await self._feedback(frame["msg_id"], frame["value"], frame["seq"])

    async def _feedback(self, msg_id: str, value: p.FeedbackValue, prompt_seq: int | None) -> None:
        res = await flow.submit_feedback(self.gw, self.cid or "", msg_id, value, prompt_seq)
        await self._acked(msg_id, res, feedback.PAYLOADS[value])

    async def on_request_human(self, frame: p.RequestHumanFrame) -> None:
        stored = await self._store_input(frame["msg_id"], {"type": "event", "event": "request_human"})
        if stored and self.state == "bot":
            cid = self.cid or ""
            await flow.try_handoff(self.gw, cid, await flow.user_request_packet(self.gw, cid))

    async def on_cancel_wait(self, frame: p.CancelWaitFrame) -> None:
        meta = await self.gw.conversations.get(self.cid or "")
        if meta.get("state") != "queued":
            dup = await self.gw.redis.hget(self.gw.keys.dedupe(self.cid or ""), frame["msg_id"])
            if dup is None:
                raise ConversationError("cancel_wait only while queued", "wrong_state")
        if await self._store_input(frame["msg_id"], {"type": "event", "event": "cancel_wait"}):
            try:
                await self.gw.queue.cancel_wait(self.cid or "")
            except ConversationError:
                return  # an agent claimed it meanwhile: the status entry tells the citizen
            await self.gw.analytics.emit("handoff.abandoned", self.cid or "", how="cancelled")

    async def on_leave_message(self, frame: p.LeaveMessageFrame) -> None:
        # The dedupe, the state check and the request are one script (Callbacks.create): a resend on any
        # socket is acked again and gives agents no second request; a closed conversation stores nothing.
        res = await self.gw.callbacks.create(
            self.cid or "", frame["msg_id"], frame["name"], frame["mobile"], frame["message"],
            frame.get("callback", False),
        )
        if res.stored:
            self.gw.metrics.callbacks.inc()
            await self.gw.analytics.emit("message.left", self.cid or "", text=frame["message"])  # masked there
        await self._acked(frame["msg_id"], res, None)

    async def on_csat(self, frame: p.CsatFrame) -> None:
        seq = await flow.submit_csat(self.gw, self.cid or "", frame["msg_id"], frame["score"],
                                     frame.get("comment", ""))
        self.outbox.frame({"type": "ack", "msg_id": frame["msg_id"], "seq": seq})

    async def on_followup_contact(self, frame: p.FollowupContactFrame) -> None:
        mobile = frame.get("mobile") or None
        if mobile and frame.get("consent") is not True:
            raise ProtocolError("invalid_frame", "a mobile number needs consent: true (the citizen agreed to "
                                "be called on it)", frame["msg_id"])
        res = await flow.submit_followup_contact(self.gw, self.cid or "", frame["msg_id"], mobile)
        await self._acked(frame["msg_id"], res, None)

    async def on_typing(self, frame: p.TypingFrame) -> None:
        if self.state == "with_agent":
            await self.gw.conversations.publish_typing(self.cid or "", "citizen", frame["active"])

    async def on_locale(self, frame: p.LocaleFrame) -> None:
        # The widget's language switch: the next bot turns carry it to the assistant (flow._turn's metadata).
        await self.gw.conversations.set_locale(self.cid or "", frame["locale"])

    async def on_ping(self, frame: p.PingFrame) -> None:
        self.outbox.frame({"type": "pong"})


CITIZEN_ROUTES: Routes[CitizenSession] = Routes(
    CITIZEN_FRAMES,
    route(p.StartFrame, CitizenSession.on_start),
    route(p.ResumeFrame, CitizenSession.on_resume),
    route(p.MessageFrame, CitizenSession.on_message),
    route(p.ButtonFrame, CitizenSession.on_button),
    route(p.FeedbackFrame, CitizenSession.on_feedback),
    route(p.RequestHumanFrame, CitizenSession.on_request_human),
    route(p.CancelWaitFrame, CitizenSession.on_cancel_wait),
    route(p.LeaveMessageFrame, CitizenSession.on_leave_message),
    route(p.CsatFrame, CitizenSession.on_csat),
    route(p.FollowupContactFrame, CitizenSession.on_followup_contact),
    route(p.TypingFrame, CitizenSession.on_typing),
    route(p.LocaleFrame, CitizenSession.on_locale),
    route(p.PingFrame, CitizenSession.on_ping),
)


async def citizen_ws(request: web.Request) -> web.WebSocketResponse:
    gw = request.app[GATEWAY_KEY]
    check_origin(request, gw)
    ws = web.WebSocketResponse(max_msg_size=WS_MAX_BYTES, heartbeat=30)
    await ws.prepare(request)
    session = CitizenSession(gw, ws, client_ip(request, gw))
    if sum(1 for other in gw.citizens if other.ip == session.ip) >= gw.settings.citizen_max_sockets_per_ip:
        await ws.send_json({"type": "error", "code": "too_many_connections",
                            "message": "too many open connections from this address: close some and retry"})
        await ws.close(code=WSCloseCode.POLICY_VIOLATION)
        return ws
    gw.citizens.add(session)
    try:
        await session.run()
    finally:
        gw.citizens.discard(session)
        await session.detach()
        await session.outbox.close()
    return ws
