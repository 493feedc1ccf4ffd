"""An editor publishing FAQ edits through nginx while replicas die, as the editor page does: each save is sent
with the revision it was made on and retried until the API answers. A retry of a save that did land before
the kill is recognised by the 409 (stale revision) whose current entry already carries the edit."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp

from tests.handoff.helpers import PASSWORD

# What a killed gateway looks like to an HTTP client behind nginx: a reset connection or a 5xx from nginx.
INTERRUPTED = {502, 503, 504}


class Editor:
    def __init__(self, http: aiohttp.ClientSession, base: str, username: str) -> None:
        self.http, self.base, self.username = http, base, username
        self.token = ""
        self.saved: list[tuple[int, str]] = []  # (rev, answer) of every save the editor was told succeeded
        self.interrupted: list[str] = []  # what the editor saw when a save did not get through at once
        self.landed_unseen = 0  # saves that landed although the editor got no reply: found by their retry
        self.sent_at: float | None = None  # when the request on its way left (the test kills under it)
        # Requests that took over 0.5 s: held by the frozen, then killed, gateway, or waiting while the test
        # blocks its event loop on a replica's restart (its client timeout can fire then: a retry follows).
        self.slow_s: list[float] = []

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        loop = asyncio.get_running_loop()
        self.sent_at = loop.time()
        try:
            return await self._request(method, path, body)
        finally:
            if loop.time() - self.sent_at > 0.5:
                self.slow_s.append(round(loop.time() - self.sent_at, 1))
            self.sent_at = None

    async def _request(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.http.request(method, f"{self.base}{path}", json=body, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=30)) as resp:
            data = await resp.json() if resp.content_type == "application/json" else await resp.text()
            return resp.status, data

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        """A request retried while the replica behind nginx is gone; the first answer from a live one."""
        for _ in range(60):
            try:
                status, data = await self._call(method, path, body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.interrupted.append(type(exc).__name__)
            else:
                if status not in INTERRUPTED:
                    return status, data
                self.interrupted.append(f"http {status}")
            await asyncio.sleep(0.25)
        raise AssertionError(f"{method} {path}: no live gateway answered for 15 s")

    async def waiting(self, for_s: float, within: float = 30.0) -> None:
        """Return once a request has been on its way for ``for_s`` (a normal save takes milliseconds)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while loop.time() < deadline:
            if self.sent_at is not None and loop.time() - self.sent_at >= for_s:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"no save waited {for_s} s within {within} s")

    async def login(self) -> None:
        status, data = await self.call("POST", "/api/login", {"username": self.username, "password": PASSWORD})
        assert status == 200, data
        self.token = data["token"]

    async def publish_new(self, entry: dict[str, Any]) -> int:
        status, data = await self.call("POST", "/api/faq", {**entry, "status": "draft"})
        assert status == 201 or (status == 422 and "duplicate_id" in str(data)), (status, data)
        status, data = await self.call("POST", f"/api/faq/{entry['id']}/publish")
        assert status == 200 and data["entry"]["status"] == "published", (status, data)
        return int(data["entry"]["rev"])

    async def save_answer(self, entry_id: str, rev: int, answer: str) -> int:
        """One edit of a published entry on revision ``rev``; the new revision once the API confirmed it."""
        status, data = await self.call("PUT", f"/api/faq/{entry_id}", {"rev": rev, "answer": answer})
        if status == 409:
            # An attempt whose reply was lost landed (this editor is the only writer, and nginx retries a PUT
            # a dead gateway dropped): the retry was refused as stale instead of applied a second time.
            current = data["current"]
            assert current["rev"] == rev + 1 and current["answer"] == answer, (rev, current)
            self.landed_unseen += 1
            status, data = 200, {"entry": current}
        assert status == 200, (status, data)
        new_rev = int(data["entry"]["rev"])
        assert new_rev == rev + 1 and data["entry"]["answer"] == answer, data
        self.saved.append((new_rev, answer))
        return new_rev

    async def keep_editing(self, entry_id: str, rev: int, answer: str, stop: asyncio.Event) -> None:
        """Save a new revision of the answer every ~0.3 s until stopped, whatever dies meanwhile."""
        n = 0
        while not stop.is_set():
            n += 1
            rev = await self.save_answer(entry_id, rev, f"{answer} (المراجعة {n})")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.3)

    async def history(self, entry_id: str) -> list[dict[str, Any]]:
        status, data = await self.call("GET", f"/api/faq/{entry_id}/history")
        assert status == 200, data
        return list(data["history"])
