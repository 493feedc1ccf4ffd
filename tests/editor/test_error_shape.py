"""Every JSON error of the gateway's HTTP API has one body: ``{"error": code, "message": text}`` (docs/protocol.md).

The walk covers every ``/api/`` route the real app registers (gateway, editor, dashboard, follow-ups, saved
replies): each is called without a token, with an agent's token and a malformed body, and with an editor's
token and a body that is not an object; every 4xx/5xx it answers must have that shape, and a route that
never answers an error must be one of the few public reads.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")

PASSWORD = "correct horse battery"
# Reads anyone may make (the widget's "is anyone there", the dashboard's word list): no error to look at.
PUBLIC_READS = {"GET /api/availability", "GET /api/dashboard/labels"}


def _api_routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/api/") and route.method not in ("HEAD", "*") and path != "/api/logout":
            found.append((route.method, re.sub(r"\{[^}]+\}", "c_nope", path)))
    return found


async def _login(client: Any, username: str) -> dict[str, str]:
    resp = await client.post("/api/login", json={"username": username, "password": PASSWORD})
    assert resp.status == 200, await resp.text()
    return {"Authorization": f"Bearer {(await resp.json())['token']}"}


async def test_every_api_error_has_the_one_shape(editor: Any) -> None:
    agent, writer = await _login(editor.client, "agent1"), await _login(editor.client, "editor1")
    attempts = [({}, "{"), (agent, "{"), (writer, "[]")]
    routes = _api_routes(editor.app)
    assert len(routes) > 30  # the walk sees the whole API, not an empty router
    wrong, quiet, errors = [], [], 0
    for method, path in routes:
        answered_error = False
        for headers, body in attempts:
            data = body if method in ("POST", "PUT", "PATCH", "DELETE") else None
            resp = await editor.client.request(method, path, headers={**headers, "Content-Type": "application/json"},
                                               data=data)
            if resp.status < 400:
                continue
            answered_error, errors = True, errors + 1
            shape = await resp.json() if resp.content_type == "application/json" else await resp.text()
            if not (isinstance(shape, dict) and isinstance(shape.get("error"), str) and shape["error"]
                    and isinstance(shape.get("message"), str) and shape["message"] and "reason" not in shape):
                wrong.append(f"{method} {path} {resp.status}: {shape!r:.200}")
        if not answered_error:
            quiet.append(f"{method} {path}")
    assert wrong == []
    assert set(quiet) <= PUBLIC_READS, quiet
    assert errors >= 2 * len(routes)
