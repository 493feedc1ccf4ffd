"""What sockets and handlers share: origin check, client IP, rate limit, and one ordered writer per socket.

Every frame a socket sends goes through its ``Outbox``: a single task drains it, so live events, replays
and replies never interleave, and handlers that need Redis reads (gap fill) run in order with the rest.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from common.tasks import cancel_and_wait
from handoff.errors import ProtocolError
from handoff.frames import FrameSet, envelope, parse_frame
from handoff.gateway import Gateway
from handoff.http_errors import http_error
from handoff.protocol import ServerFrame

log = logging.getLogger(__name__)

Item = tuple[str, Any]  # ("frame", dict) | ("event", (channel, dict)) | ("call", coroutine function)
F = TypeVar("F", bound=Mapping[str, object])


def own_origins(request: web.Request, gw: Gateway) -> set[str]:
    """The gateway's own origin(s), always allowed (its console and demo page must connect even when
    ALLOWED_ORIGINS lists only the sites embedding the widget): PUBLIC_ORIGIN, and behind a trusted proxy the
    origin the proxy says the browser used (X-Forwarded-Proto/-Host, else Host)."""
    own = {gw.settings.public_origin} if gw.settings.public_origin else set()
    if gw.settings.trust_proxy:
        proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[-1].strip()
        host = request.headers.get("X-Forwarded-Host", request.host).split(",")[-1].strip()
        if proto in ("http", "https") and host:
            own.add(f"{proto}://{host}")
    return own


def check_origin(request: web.Request, gw: Gateway) -> None:
    origin = request.headers.get("Origin")
    allowed = {a.rstrip("/") for a in gw.settings.allowed_origins} | own_origins(request, gw)
    if origin is None or origin.rstrip("/") not in allowed:
        raise http_error(web.HTTPForbidden, "origin_not_allowed", "this Origin is not in ALLOWED_ORIGINS")


def client_ip(request: web.Request, gw: Gateway) -> str:
    if gw.settings.trust_proxy:
        # The trusted proxy appends the address it saw; anything before it is the client's own claim.
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.remote or "-"


class RateLimiter:
    """Token bucket: ``rate`` frames per second sustained, bursts of ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.last = time.monotonic()

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def parse_limited(raw: str | None, frames: FrameSet[F], max_bytes: int, limiter: RateLimiter) -> F:
    """Parse one frame (``None``: a binary frame), charging it to ``limiter`` first.

    Malformed frames cost a token like valid ones: otherwise a flood of garbage would cost the gateway an
    error frame each, with no limit. Over the limit the error is ``rate_limited`` (naming the msg_id/ref when
    the frame has one, so the client knows what to resend).
    """
    allowed = limiter.allow()
    try:
        if raw is None:
            raise ProtocolError("bad_json", "send JSON text frames, not binary")
        frame = parse_frame(raw, frames, max_bytes)
    except ProtocolError as exc:
        if allowed:
            raise
        raise ProtocolError("rate_limited", "too many frames: slow down and resend later", exc.msg_id,
                            exc.ref) from None
    if not allowed:
        raise ProtocolError("rate_limited", "too many frames: slow down and resend later", *envelope(frame))
    return frame


class Outbox:
    # A client that stops reading must not grow the gateway's memory without bound: past this backlog the
    # socket is closed (1013, try again later); the client resumes and the stream fills the gap.
    MAX_BACKLOG = 2000

    def __init__(self, ws: web.WebSocketResponse, on_event: Callable[[str, dict[str, Any]], Awaitable[None]]) -> None:
        self.ws = ws
        self.on_event = on_event
        self.queue: asyncio.Queue[Item] = asyncio.Queue()
        self.task = asyncio.create_task(self._run())
        self._overflowed = False
        self._closing: asyncio.Future[bool] | None = None

    def _put(self, item: Item) -> None:
        if self.queue.qsize() < self.MAX_BACKLOG:
            self.queue.put_nowait(item)
        elif not self._overflowed:
            self._overflowed = True
            log.warning("socket backlog over %d frames: closing it", self.MAX_BACKLOG)
            self.task.cancel()
            self._closing = asyncio.ensure_future(self.ws.close(code=1013, message=b"too slow: resume"))

    def frame(self, frame: ServerFrame) -> None:
        self._put(("frame", frame))

    def event(self, channel: str, event: dict[str, Any]) -> None:
        self._put(("event", (channel, event)))

    def call(self, fn: Callable[[], Awaitable[None]]) -> None:
        self._put(("call", fn))

    def listener(self, channel: str) -> Callable[[dict[str, Any]], None]:
        return lambda event: self.event(channel, event)

    async def send(self, frame: ServerFrame) -> None:
        """Send now; only for code already running inside the writer (``on_event`` / ``call``)."""
        await self.forward(frame)

    async def forward(self, frame: Mapping[str, Any]) -> None:
        """Send a transcript entry as stored (a ``TranscriptEntry`` written by ``ConversationStore.append``)."""
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(frame, ensure_ascii=False, separators=(",", ":")))

    async def _run(self) -> None:
        while True:
            kind, value = await self.queue.get()
            try:
                if kind == "frame":
                    await self.send(value)
                elif kind == "event":
                    await self.on_event(*value)
                else:
                    await value()
            except (ConnectionError, RuntimeError) as exc:
                log.info("socket writer stopped: %s", type(exc).__name__)
                await self.ws.close()
                return
            except Exception:
                log.exception("socket writer failed")

    async def close(self) -> None:
        await cancel_and_wait([self.task])


async def pump(ws: web.WebSocketResponse, on_text: Callable[[str | None], Awaitable[None]]) -> None:
    """Feed every text frame to ``on_text``; binary frames arrive as None (refused with an error frame)."""
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await on_text(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await on_text(None)
        elif msg.type == WSMsgType.ERROR:
            break
