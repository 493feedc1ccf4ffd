"""``/api/canned``: agents' saved replies (docs/protocol.md §3). Agents and supervisors; team replies are
written by supervisors only."""

from __future__ import annotations

from aiohttp import web

from handoff.appkeys import GATEWAY_KEY
from handoff.auth import authenticate, require_role
from handoff.canned import CannedStore
from handoff.errors import CannedError
from handoff.http_api import _json_body
from handoff.http_errors import error_response

routes = web.RouteTableDef()
STATUS = {"invalid_body": 400, "forbidden": 403, "unknown_reply": 404, "too_many": 409}


def _store(request: web.Request) -> CannedStore:
    gw = request.app[GATEWAY_KEY]
    return CannedStore(gw.redis, gw.keys)


def _refused(exc: CannedError) -> web.Response:
    return error_response(STATUS.get(exc.code, 400), exc.code, exc.message)


@routes.get("/api/canned")
async def list_replies(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    return web.json_response(await _store(request).list(account.username))


@routes.post("/api/canned")
async def create_reply(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    try:
        reply = await _store(request).create(account.username, account.role, await _json_body(request))
    except CannedError as exc:
        return _refused(exc)
    return web.json_response({"reply": reply}, status=201)


@routes.put("/api/canned/{reply_id}")
async def update_reply(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    try:
        reply = await _store(request).update(account.username, account.role, request.match_info["reply_id"],
                                             await _json_body(request))
    except CannedError as exc:
        return _refused(exc)
    return web.json_response({"reply": reply})


@routes.delete("/api/canned/{reply_id}")
async def delete_reply(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    try:
        await _store(request).delete(account.username, account.role, request.match_info["reply_id"])
    except CannedError as exc:
        return _refused(exc)
    return web.Response(status=204)
