"""A citizen's widget as the scale tests drive it: resends unacked messages with the same msg_id, and when
its socket drops (its gateway died) reconnects through nginx and resumes from the last seq it saw."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

import aiohttp

from tests.handoff.helpers import ORIGIN

RETRYABLE = {"internal", "rate_limited", "bot_unavailable"}


async def close_quietly(ws: aiohttp.ClientWebSocketResponse | None) -> None:
    """Close a socket before replacing it: one whose gateway died can still hold its connection, which aiohttp
    reports as 'Unclosed connection' (a warning, so a failure) when it is collected."""
    if ws is not None:
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError, TimeoutError):
            await ws.close()


class Citizen:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.cid = self.token = ""
        self.last_seq = 0
        self.acked: dict[str, int] = {}  # msg_id -> seq
        self.kinds: dict[str, str] = {}  # msg_id -> frame type sent
        self.entries: dict[int, dict[str, Any]] = {}  # seq -> entry, as shown on the page
        self.errors: list[str] = []
        self.reconnects = 0
        self.state = "bot"

    async def connect(self) -> None:
        await close_quietly(self.ws)
        self.ws = await self.http.ws_connect(f"{self.base}/ws/chat", headers={"Origin": ORIGIN})
        if not self.cid:
            await self._send(type="start")
            started = await self._until(lambda f: f.get("type") == "started", 30)
            self.cid, self.token = started["conversation_id"], started["token"]
        else:
            await self._send(type="resume", conversation_id=self.cid, token=self.token, last_seq=self.last_seq)
            await self._until(lambda f: f.get("type") == "resumed", 30)

    async def _send(self, **frame: Any) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(frame, ensure_ascii=False))

    async def _next(self, within: float) -> dict[str, Any]:
        assert self.ws is not None
        msg = await asyncio.wait_for(self.ws.receive(), within)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError("socket closed")
        frame = json.loads(msg.data)
        if isinstance(frame.get("seq"), int) and frame.get("type") != "ack":
            self.entries[frame["seq"]] = frame
            self.last_seq = max(self.last_seq, frame["seq"])
            if frame.get("type") == "status":
                self.state = frame.get("state", self.state)
        return frame

    async def _until(self, match: Any, within: float) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (left := deadline - loop.time()) > 0:
            frame = await self._next(left)
            if match(frame):
                return frame
        raise TimeoutError

    async def _reconnect(self) -> None:
        self.reconnects += 1
        for _ in range(40):
            try:
                await self.connect()
                return
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                await asyncio.sleep(0.5)
        raise AssertionError(f"{self.cid}: could not reconnect through nginx")

    async def send(self, within: float = 90.0, **frame: Any) -> int:
        """Send a frame with a fresh msg_id until acked (resend on retryable errors and reconnects); its seq."""
        mid = "m-" + uuid.uuid4().hex[:12]
        self.kinds[mid] = str(frame.get("type"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            try:
                await self._send(msg_id=mid, **frame)
                reply = await self._until(lambda f: f.get("msg_id") == mid and f.get("type") in ("ack", "error"), 20)
            except (ConnectionError, aiohttp.ClientError, ConnectionResetError, RuntimeError):
                await self._reconnect()
                continue
            except TimeoutError:
                raise AssertionError(f"{self.cid}: silence, no ack and no error for {mid}") from None
            if reply["type"] == "ack":
                self.acked[mid] = int(reply["seq"])
                return int(reply["seq"])
            self.errors.append(reply.get("code", "?"))
            assert reply.get("code") in RETRYABLE, reply
            await asyncio.sleep(0.5)
        raise AssertionError(f"{self.cid}: {mid} never acked")

    async def ask(self, text: str, within: float = 90.0) -> dict[str, Any]:
        """A question and the bot's first reply to it (or the retryable error the citizen sees instead)."""
        seq = await self.send(type="message", text=text, within=within)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            replies = [e for s, e in sorted(self.entries.items()) if s > seq and e.get("type") == "bot_message"]
            if replies:
                return replies[0]
            try:
                frame = await self._next(max(0.1, deadline - loop.time()))
            except (ConnectionError, aiohttp.ClientError, RuntimeError):
                await self._reconnect()
                continue
            if frame.get("type") == "error" and frame.get("code") == "bot_unavailable":
                self.errors.append("bot_unavailable")
                return frame
        raise AssertionError(f"{self.cid}: silence after {text!r}")
