"""Editor HTTP API and page routes, mounted by the gateway (owned by the content-editing work).

Placeholder until the editor API lands: the gateway calls ``setup(app)`` while building its app.
"""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the editor routes on the gateway app (none yet)."""
