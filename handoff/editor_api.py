"""Editor HTTP API and page, mounted on the gateway by ``create_app`` (content editing, issue 7).

The gateway already has the accounts, the Redis client and the static files, so the editor lives
here rather than in a separate service: one process to run, one login for agents and editors.
At start-up it seeds an empty FAQ store from the corpus and starts a live index that follows the
store (near-duplicate checks, "try a question", the console's FAQ search).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from handoff.editor import common as c
from handoff.editor import conversation_routes, faq_routes, kb_routes, learn_routes, unanswered_routes
from knowledge_base.faqs.keys import DEFAULT_PREFIX, KbKeys
from knowledge_base.faqs.store import FaqStore
from knowledge_base.live import LiveConfig, LiveKnowledgeBase

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _setting(app: web.Application, attr: str, env: str, default: str | None) -> str | None:
    settings = app.get("settings")
    value = getattr(settings, attr, None) if settings is not None else None
    return str(value) if value else (os.environ.get(env) or default)


def live_config(app: web.Application) -> LiveConfig:
    url = _setting(app, "redis_url", "REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = _setting(app, "redis_prefix", "REDIS_PREFIX", DEFAULT_PREFIX)
    index_dir = _setting(app, "kb_index_dir", "KB_INDEX_DIR", "var/index")
    return LiveConfig(redis_url=str(url), prefix=str(prefix), index_dir=index_dir)


async def _live_ctx(app: web.Application) -> AsyncIterator[None]:
    config = live_config(app)
    app[c.STORE] = FaqStore(app["redis"], KbKeys(config.prefix))
    live = LiveKnowledgeBase(config)
    app[c.LIVE] = live
    await asyncio.to_thread(live.start)
    log.info("editor API ready", extra={"kb_version": live.version})
    yield
    await asyncio.to_thread(live.stop)


async def editor_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "editor.html", headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    """Register the editor routes; the live index starts with the app (cleanup_ctx)."""
    app.cleanup_ctx.append(_live_ctx)
    # Fixed paths first: /api/faq/search must not be read as an entry id.
    app.router.add_routes(kb_routes.routes)
    app.router.add_routes(unanswered_routes.routes)
    app.router.add_routes(conversation_routes.routes)
    app.router.add_routes(learn_routes.routes)
    app.router.add_routes(faq_routes.routes)
    app.router.add_get("/editor", editor_page)
    # Served under /editor/ (no clash with /static).
    for name in ("editor.js", "editor-tools.js", "editor-history.js", "editor.css", "editor-strings.json"):
        app.router.add_get(f"/editor/{name}", _static_file(name))


def _static_file(name: str) -> Any:
    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return handler
