"""HTTP API of the dissatisfied-citizen follow-up list (docs/followups.md), for agents and supervisors.

GET  /api/followups?status=open|closed|all   tasks by time left (overdue first), number masked unless yours
GET  /api/followups/reasons                  the reason taxonomy (handoff/data/followup_reasons.json)
POST /api/followups/{task_id}/take           become the task's handler: only the handler sees the number
POST /api/followups/{task_id}/calls          {result, reason, version}: record one call (atomic, versioned)
"""

from __future__ import annotations

import time

from aiohttp import web

from common.clock import now_iso
from handoff.appkeys import GATEWAY_KEY
from handoff.auth import authenticate, require_role
from handoff.followups import FollowupError, reasons, view
from handoff.http_api import _json_body
from handoff.http_errors import error_response

routes = web.RouteTableDef()
STATUS = {"unknown_task": 404, "task_closed": 409, "taken": 409, "stale": 409}


def _refused(exc: FollowupError) -> web.Response:
    return error_response(STATUS.get(exc.code, 400), exc.code, exc.message)


@routes.get("/api/followups")
async def list_followups(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    status = request.query.get("status", "open")
    if status not in ("open", "closed", "all"):
        return error_response(400, "invalid_status", "status must be open, closed or all")
    gw = request.app[GATEWAY_KEY]
    now = time.time()
    items = [view(t, account.username, now) for t in await gw.followups.list(status)]
    return web.json_response({"items": items, "now": now, "timezone": gw.settings.timezone})


@routes.get("/api/followups/reasons")
async def list_reasons(request: web.Request) -> web.Response:
    require_role(await authenticate(request), "agent", "supervisor")
    return web.json_response({"reasons": reasons()})


@routes.post("/api/followups/{task_id}/take")
async def take(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    gw = request.app[GATEWAY_KEY]
    task_id = request.match_info["task_id"]
    try:
        await gw.followups.take(task_id, account.username, force=account.role == "supervisor")
    except FollowupError as exc:
        return _refused(exc)
    task = await gw.followups.get(task_id)
    if task is None:
        return error_response(404, "unknown_task", f"follow-up task {task_id} does not exist")
    return web.json_response(view(task, account.username, time.time()))


@routes.post("/api/followups/{task_id}/calls")
async def record_call(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    gw = request.app[GATEWAY_KEY]
    data = await _json_body(request)
    result, reason, version = data.get("result"), data.get("reason"), data.get("version")
    if not (isinstance(result, str) and isinstance(reason, str) and type(version) is int):
        return error_response(400, "invalid_body",
                              "send {\"result\": ..., \"reason\": ..., \"version\": <int from the list>}")
    task_id = request.match_info["task_id"]
    try:
        task = await gw.followups.record(task_id, account.username, result, reason, version,
                                         force=account.role == "supervisor")
    except FollowupError as exc:
        return _refused(exc)
    await gw.analytics.emit("followup.call_recorded", task["conversation_id"], task_id=task_id, result=result,
                            reason=reason, agent=account.username)
    out = view(task, account.username, time.time())
    out["recorded_at"] = now_iso("seconds")
    return web.json_response(out)
