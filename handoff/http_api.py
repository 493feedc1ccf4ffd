"""HTTP endpoints of the gateway (docs/protocol.md §3): login, logout, availability, callbacks, CSAT, ops."""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from common.clock import iso_at
from handoff import flow
from handoff.appkeys import GATEWAY_KEY
from handoff.auth import authenticate, bearer_token, require_role
from handoff.conn import client_ip
from handoff.errors import AuthError, ConversationError, HandoffError, ProtocolError, ThrottledError
from handoff.frames import MAX_TEXT_CHARS, clean_text, decode_json
from handoff.http_errors import error_response, http_error, too_large

routes = web.RouteTableDef()


async def _json_body(request: web.Request, max_bytes: int = 8192) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large(f"the request body is over {max_bytes} bytes", max_bytes)
    try:
        data = decode_json(await request.text())
    except (ProtocolError, ValueError):  # ValueError: the body is not UTF-8
        raise http_error(web.HTTPBadRequest, "bad_json", "body must be JSON") from None
    if not isinstance(data, dict):
        raise http_error(web.HTTPBadRequest, "bad_json", "body must be a JSON object")
    return data


@routes.post("/api/login")
async def login(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY_KEY]
    data = await _json_body(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return error_response(400, "invalid_body", "send {\"username\": ..., \"password\": ...}")
    try:
        session = await gw.accounts.login(username, password[:1024], client_ip(request, gw))
    except ThrottledError as exc:
        return error_response(429, exc.code, exc.message, {"Retry-After": str(exc.retry_after_s)})
    except AuthError as exc:
        return error_response(401, "invalid_credentials", exc.message)
    account = session.account
    expires = iso_at(session.expires_at)
    return web.json_response({"token": session.token, "expires_at": expires, "role": account.role,
                              "display_name": account.display_name, "username": account.username})


@routes.post("/api/logout")
async def logout(request: web.Request) -> web.Response:
    account = await authenticate(request)
    gw = request.app[GATEWAY_KEY]
    await gw.accounts.revoke(bearer_token(request) or "")
    if account.role in ("agent", "supervisor"):
        await gw.presence.leave(account.username)
    return web.Response(status=204)


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    account = await authenticate(request)
    expires = iso_at(account.expires_at)
    return web.json_response({"username": account.username, "role": account.role,
                              "display_name": account.display_name, "expires_at": expires})


@routes.get("/api/availability")
async def availability(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY_KEY]
    return web.json_response({"open": gw.is_open(), "agents_online": await gw.presence.online_count(),
                              "next_open": gw.next_open(), "timezone": gw.settings.timezone})


@routes.get("/api/callbacks")
async def list_callbacks(request: web.Request) -> web.Response:
    require_role(await authenticate(request), "agent", "supervisor")
    status = request.query.get("status", "open")
    if status not in ("open", "done", "all"):
        return error_response(400, "invalid_status", "status must be open, done or all")
    return web.json_response({"items": await request.app[GATEWAY_KEY].callbacks.list(status)})


@routes.post("/api/callbacks/{callback_id}/done")
async def callback_done(request: web.Request) -> web.Response:
    account = require_role(await authenticate(request), "agent", "supervisor")
    try:
        result = await request.app[GATEWAY_KEY].callbacks.mark_done(request.match_info["callback_id"], account.username)
    except HandoffError as exc:
        return error_response(404, exc.code, exc.message)
    return web.json_response(result)


@routes.post("/api/csat")
async def csat(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY_KEY]
    data = await _json_body(request)
    cid, token, score = data.get("conversation_id"), data.get("token"), data.get("score")
    comment = data.get("comment") or ""
    comment = clean_text(comment) if isinstance(comment, str) else None  # as on the websocket
    if not (isinstance(cid, str) and isinstance(token, str) and type(score) is int and 1 <= score <= 5
            and comment is not None and len(comment) <= MAX_TEXT_CHARS):
        return error_response(400, "invalid_body", "send conversation_id, token, score (1-5) and optional comment")
    try:
        await gw.conversations.authenticate(cid, token)
        await flow.submit_csat(gw, cid, None, score, comment)
    except ConversationError as exc:
        status = 401 if exc.code == "bad_token" else 409
        return error_response(status, exc.code, exc.message)
    return web.json_response({"ok": True})


@routes.get("/api/csat/summary")
async def csat_summary(request: web.Request) -> web.Response:
    require_role(await authenticate(request), "supervisor")
    return web.json_response(await request.app[GATEWAY_KEY].csat.summary())


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY_KEY]

    async def redis_ok() -> bool:
        # A write, not PING: Redis out of memory (maxmemory with noeviction) still answers PING but
        # refuses every write, and then no message can be stored.
        try:
            return bool(await asyncio.wait_for(gw.redis.set(gw.keys.health_probe, "1", ex=10), timeout=2))
        except (RedisError, OSError, TimeoutError):
            return False

    async def actions_ok() -> bool:
        url = gw.settings.action_health_url
        return await gw.rasa.reachable(url) if url else True

    r_ok, rasa_ok, act_ok = await asyncio.gather(redis_ok(), gw.rasa.healthy(), actions_ok())
    # Rasa's root answers even with no usable model: a bot turn that came back empty says more.
    bot_ok = rasa_ok and act_ok and not gw.bot_silent
    ok = r_ok and bot_ok
    body = {"status": "ok" if ok else "degraded", "redis": "ok" if r_ok else "down",
            "rasa": "ok" if rasa_ok else "down",
            "actions": ("ok" if act_ok else "down") if gw.settings.action_health_url else "not_checked",
            "bot": "ok" if bot_ok else "silent" if gw.bot_silent else "down"}
    return web.json_response(body, status=200 if ok else 503)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    gw = request.app[GATEWAY_KEY]
    token = gw.settings.metrics_token
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        # Counts of conversations and handoffs are operational data: with METRICS_TOKEN set, only the scraper.
        return error_response(401, "unauthorized", "send Authorization: Bearer <METRICS_TOKEN>",
                              {"WWW-Authenticate": "Bearer"})
    try:
        await gw.refresh_metrics()
    except RedisError:
        gw.update_gauges()
    return web.Response(body=gw.metrics.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
