"""The one body every JSON error of the gateway's HTTP API has: ``{"error": code, "message": the fix, ...}``.

``code`` is stable for programs; ``message`` is English for the operator and names what to do next.
Extra fields (``errors`` for form fields, ``current``, ``max``) come beside them, never instead of them.
Websocket error frames are a separate shape (``{"type": "error", "code", "message"}``, frames.py).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web

E = TypeVar("E", bound=web.HTTPException)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   **extra: Any) -> web.Response:
    """For a handler that returns its error (middleware, plain handlers)."""
    return web.json_response(error_body(code, message, **extra), status=status, headers=headers, dumps=_dumps)


def http_error(status: type[E], code: str, message: str, **extra: Any) -> E:
    """For code that raises its error (helpers deep in a handler)."""
    return status(text=_dumps(error_body(code, message, **extra)), content_type="application/json")


def too_large(message: str, limit: int) -> web.HTTPRequestEntityTooLarge:
    """413 in the same shape (aiohttp's own 413 is plain text); ``max`` is the limit in bytes or rows."""
    return web.HTTPRequestEntityTooLarge(limit, text=_dumps(error_body("too_large", message, max=limit)),
                                         content_type="application/json")
