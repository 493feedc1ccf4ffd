"""What the gateway's background loops need from this process's open sockets.

The sockets (``citizen_ws.CitizenSession``, ``agent_ws.AgentSession``) are built over the ``Gateway``;
the gateway only keeps sets of them and pushes frames. Describing that narrow surface here lets
``gateway.py`` name the session types without importing the socket modules, which import it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web

from handoff.accounts import Account


class FrameSink(Protocol):
    """The ordered writer of one socket (``conn.Outbox``)."""

    def frame(self, frame: dict[str, Any]) -> None: ...

    def call(self, fn: Callable[[], Awaitable[None]]) -> None: ...


class CitizenSocket(Protocol):
    @property
    def ws(self) -> web.WebSocketResponse: ...

    @property
    def ip(self) -> str: ...

    @property
    def cid(self) -> str | None: ...

    @property
    def state(self) -> str: ...

    @property
    def outbox(self) -> FrameSink: ...


class AgentSocket(Protocol):
    @property
    def ws(self) -> web.WebSocketResponse: ...

    @property
    def account(self) -> Account | None: ...

    @property
    def username(self) -> str: ...

    @property
    def watched(self) -> dict[str, int]: ...

    @property
    def outbox(self) -> FrameSink: ...

    async def revoked(self) -> None: ...

    def citizen_presence(self, cid: str, present: bool, seen_at: float) -> None: ...
