"""Editor HTTP API and page, mounted on the gateway by ``create_app`` (content editing, issue 7).

The gateway already has the accounts, the Redis client and the static files, so the editor lives
here rather than in a separate service: one process to run, one login for agents and editors.
At start-up it seeds an empty FAQ store from the corpus and starts a live index that follows the
store (near-duplicate checks, "try a question", the console's FAQ search).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from handoff.appkeys import LIVE_KB_KEY
from handoff.editor import conversation_routes, faq_routes, kb_routes, learn_routes, unanswered_routes
from handoff.settings import Settings
from knowledge_base.live import LiveConfig

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def live_config(settings: Settings) -> LiveConfig:
    return LiveConfig(redis_url=settings.redis_url, prefix=settings.redis_prefix, index_dir=settings.kb_index_dir)


async def _live_ctx(app: web.Application) -> AsyncIterator[None]:
    live = app[LIVE_KB_KEY]
    await asyncio.to_thread(live.start)
    log.info("editor API ready", extra={"kb_version": live.version})
    yield
    await asyncio.to_thread(live.stop)


async def editor_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "editor" / "editor.html", headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    """Register the editor API and its page (scripts, styles and strings are under /static/editor/);
    the live index (set by ``create_app``) starts with the app (cleanup_ctx)."""
    app.cleanup_ctx.append(_live_ctx)
    # Fixed paths first: /api/faq/search must not be read as an entry id.
    app.router.add_routes(kb_routes.routes)
    app.router.add_routes(unanswered_routes.routes)
    app.router.add_routes(conversation_routes.routes)
    app.router.add_routes(learn_routes.routes)
    app.router.add_routes(faq_routes.routes)
    app.router.add_get("/editor", editor_page)
