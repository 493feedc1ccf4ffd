"""``create_app(settings)``: the gateway's aiohttp application."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from redis.exceptions import RedisError

from common.logs import request_id
from handoff import dashboard, editor_api
from handoff.agent_ws import agent_ws
from handoff.auth import ACCOUNTS_KEY
from handoff.canned_api import routes as canned_routes
from handoff.citizen_ws import GATEWAY_KEY, citizen_ws
from handoff.dashboard_query import ReportSource
from handoff.followups_api import routes as followup_routes
from handoff.gateway import Gateway
from handoff.http_api import routes
from handoff.settings import Settings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",
}


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Client-chosen, and written into every log line: only id characters, or a log line could be forged.
    given = request.headers.get("X-Request-ID", "")[:64]
    request_id.set(given if _REQUEST_ID_RE.fullmatch(given) else secrets.token_hex(6))
    try:
        response = await handler(request)
    except RedisError as exc:
        log.error("redis unavailable: %s", type(exc).__name__)
        response = web.json_response({"error": "storage_unavailable", "message": "Redis is unreachable; retry"},
                                     status=503)
    return response


def _page(name: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return handler


async def _static_cache(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith("/static/"):
        # Not fingerprinted: revalidate often, but let browsers reuse for a short while.
        response.headers.setdefault("Cache-Control", "public, max-age=300")
        # The widget is embedded on other sites: its ES modules, string tables and fonts load in CORS mode.
        origin = request.headers.get("Origin", "")
        if origin and origin in request.app["settings"].allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
    for name, value in SECURITY_HEADERS.items():
        if name not in response.headers and not isinstance(response, web.WebSocketResponse):
            response.headers[name] = value


async def _favicon(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "favicon.ico", headers={"Cache-Control": "public, max-age=86400",
                                                             "Content-Type": "image/x-icon"})


def create_app(settings: Settings, gateway: Gateway | None = None,
               report_source: ReportSource | None = None) -> web.Application:
    gw = gateway or Gateway(settings)
    app = web.Application(middlewares=[request_context], client_max_size=64 * 1024)
    app[GATEWAY_KEY] = gw
    app[ACCOUNTS_KEY] = gw.accounts
    with warnings.catch_warnings():
        # The editor API reads these by name (see CONTRIBUTING): plain string keys on purpose.
        warnings.simplefilter("ignore")
        app["redis"] = gw.redis
        app["settings"] = settings
    app.router.add_get("/ws/chat", citizen_ws)
    app.router.add_get("/ws/agent", agent_ws)
    app.router.add_routes(routes)
    app.router.add_routes(followup_routes)
    app.router.add_routes(canned_routes)
    if settings.enable_editor:
        editor_api.setup(app)
    dashboard.setup(app, settings, report_source)
    existing = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    for path, page in (("/", "demo.html"), ("/console", "console.html"), ("/editor", "editor.html"),
                       ("/dashboard", "dashboard.html")):
        if path not in existing and (STATIC / page).exists():
            app.router.add_get(path, _page(page))
    if STATIC.is_dir():
        app.router.add_static("/static/", STATIC, follow_symlinks=False)
    if "/favicon.ico" not in existing and (STATIC / "favicon.ico").exists():
        # Browsers ask for it on every page whatever the HTML says; a 404 is a console error on each.
        app.router.add_get("/favicon.ico", _favicon)
    app.on_response_prepare.append(_static_cache)
    app.on_startup.append(_start(gw))
    app.on_cleanup.append(_stop(gw))
    return app


def _start(gw: Gateway) -> Callable[[web.Application], Awaitable[None]]:
    async def start(app: web.Application) -> None:
        await gw.start()
        log.info("gateway ready", extra={"prefix": gw.settings.redis_prefix})

    return start


def _stop(gw: Gateway) -> Callable[[web.Application], Awaitable[None]]:
    async def stop(app: web.Application) -> None:
        closing = [asyncio.ensure_future(s.ws.close(code=1001, message=b"server shutdown"))
                   for s in list(gw.citizens) + list(gw.agents)]
        if closing:  # clients reconnect and resume elsewhere; do not wait long for slow ones
            await asyncio.wait(closing, timeout=3)
        await gw.stop()

    return stop
