"""Test helpers for the gateway: a real app on a real port, websocket clients that record frames."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer

from handoff.app import create_app
from handoff.appkeys import GATEWAY_KEY
from handoff.gateway import Gateway
from handoff.settings import Settings
from scripts import procs
from tests.waiting import wait_for

ORIGIN = "http://widget.test"
PASSWORD = "correct horse battery"


class Client:
    """A websocket client that keeps every frame it received, so tests can wait for one."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._taken: set[int] = set()

    async def send(self, **frame: Any) -> None:
        await self.ws.send_str(json.dumps(frame, ensure_ascii=False))

    async def next(self, within: float = 5.0) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.ws.receive_json(), within)
        self.frames.append(frame)
        return frame

    async def wait_for(self, within: float = 5.0, **match: Any) -> dict[str, Any]:
        """The first frame not returned before (already received or new) whose fields include ``match``."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for i, frame in enumerate(self.frames):
                if i not in self._taken and all(frame.get(k) == v for k, v in match.items()):
                    self._taken.add(i)
                    return frame
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no frame matching {match}; got {self.frames[-10:]}")
            try:
                await self.next(remaining)
            except TimeoutError:
                continue

    async def close(self) -> None:
        try:
            await self.ws.close()
        finally:
            # A socket whose server was killed is marked closed without giving its connection back (aiohttp's
            # receive() on ServerDisconnectedError), and ws.close() then does nothing: the connection left
            # open is reported ("Unclosed connection") whenever the garbage collector reaches it, often in a
            # later test.
            self.ws._response.close()


@dataclass
class Gw:
    server: TestServer
    http: aiohttp.ClientSession
    gateway: Gateway
    clients: list[Client] = field(default_factory=list)

    def url(self, path: str) -> str:
        return str(self.server.make_url(path))

    async def ws(self, path: str, origin: str = ORIGIN, headers: dict[str, str] | None = None) -> Client:
        ws = await self.http.ws_connect(self.url(path), headers={"Origin": origin, **(headers or {})})
        client = Client(ws)
        self.clients.append(client)
        return client

    async def wait_state(self, cid: str, state: str, within: float = 30.0) -> dict[str, Any]:
        """The conversation's metadata once its state is ``state`` (polled; AssertionError past ``within``)."""
        async def reached() -> dict[str, Any] | None:
            meta = await self.gateway.conversations.get(cid)
            return meta if meta.get("state") == state else None
        return await wait_for(reached, within, what=f"{cid} in state {state!r}")

    async def citizen(self) -> tuple[Client, str, str]:
        client = await self.ws("/ws/chat")
        await client.send(type="start")
        started = await client.wait_for(type="started")
        return client, started["conversation_id"], started["token"]

    async def account(self, username: str, role: str = "agent", display_name: str = "نورة") -> str:
        """Create an account and log in over HTTP; returns the session token."""
        await self.gateway.accounts.add(username, role, display_name, PASSWORD)
        async with self.http.post(self.url("/api/login"), json={"username": username, "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()
            return (await r.json())["token"]

    async def agent(self, username: str, display_name: str = "نورة", role: str = "agent") -> Client:
        token = await self.account(username, role, display_name)
        client = await self.ws("/ws/agent")
        await client.send(type="auth", token=token)
        await client.wait_for(type="auth_ok")
        await client.wait_for(type="queue")
        return client


async def start_gateway(settings: Settings) -> AsyncIterator[Gw]:
    app = create_app(settings)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    http = aiohttp.ClientSession()
    gw = Gw(server, http, app[GATEWAY_KEY])
    try:
        yield gw
    finally:
        for client in gw.clients:
            await client.close()
        await http.close()
        await server.close()


@cache
def bot_response(name: str) -> dict[str, Any]:
    """The first variant of a bot response in chatbot/domain.yml (expected texts come from there, not copies)."""
    domain = yaml.safe_load((procs.ROOT / "chatbot" / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"][name][0]


def msg_id() -> str:
    return "m-" + uuid.uuid4().hex[:12]


async def crashed_mid_turn(gw: Gw, text: str) -> tuple[str, str]:
    """A conversation whose last input was stored and acked, then the gateway died before Rasa answered."""
    citizen, cid, token = await gw.citizen()
    await citizen.close()
    store = gw.gateway.conversations
    await store.append(cid, {"type": "user_message", "msg_id": "m-lost", "text": text, "payload": None},
                       msg_id="m-lost", bot_input=text)
    key = gw.gateway.keys.pending(cid)
    item = json.loads(await gw.gateway.redis.lindex(key, 0))
    await gw.gateway.redis.lset(key, 0, json.dumps({**item, "at": item["at"] - 60}))  # long ago
    return cid, token


@contextlib.asynccontextmanager
async def stand_in_rasa(reply: Callable[[dict[str, Any]], Awaitable[list[dict[str, Any]]]]) -> AsyncIterator[str]:
    """A stand-in for Rasa (unit tests only): up at GET /, each REST turn answered by ``reply(body)``."""

    async def root(_request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa")

    async def webhook(request: web.Request) -> web.Response:
        return web.json_response(await reply(await request.json()))

    app = web.Application()
    app.router.add_get("/", root)
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
