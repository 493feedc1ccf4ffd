"""What every editor handler shares: the store and live index, authentication by role, JSON error replies."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from handoff.appkeys import FAQ_STORE_KEY, LIVE_KB_KEY
from handoff.auth import authenticate, require_role
from handoff.http_errors import http_error, too_large
from knowledge_base.faqs.store import FaqStore, NotFound, StaleVersion
from knowledge_base.faqs.stored import StoredEntry
from knowledge_base.faqs.validation import FieldError, ValidationFailed
from knowledge_base.live import LiveKnowledgeBase

WRITE_ROLES = ("editor", "supervisor")

async def reader(request: web.Request) -> Any:
    """Any signed-in account (agents included) may read the FAQ; no token is 401."""
    return await authenticate(request)


async def writer(request: web.Request) -> Any:
    """Editors and supervisors only: agents get 403."""
    account = await authenticate(request)
    require_role(account, *WRITE_ROLES)
    return account


def actor(account: Any) -> str:
    return str(getattr(account, "username", None) or getattr(account, "name", None) or account)


def store_of(request: web.Request) -> FaqStore:
    return request.app[FAQ_STORE_KEY]


def live_of(request: web.Request) -> LiveKnowledgeBase:
    return request.app[LIVE_KB_KEY]


async def body(request: web.Request) -> dict[str, Any]:
    """The JSON object of the request; anything else (bad JSON, too deep to parse, too big) is a JSON error."""
    try:
        data = await request.json()
    except web.HTTPRequestEntityTooLarge:
        raise too_large("the request body is too large", request.client_max_size) from None
    # RecursionError: "[" * 1100 is valid-looking JSON nested deeper than the parser goes; malformed like the rest
    except (ValueError, RecursionError):
        raise invalid([FieldError("body", "not_text")]) from None
    if not isinstance(data, dict):
        raise invalid([FieldError("body", "not_text")])
    return data


def int_query(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    """A bounded integer query parameter; anything else is a 422 naming the parameter."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = lo - 1
    if not lo <= value <= hi:
        raise invalid([FieldError(name, "bad_number", {"min": lo, "max": hi})])
    return value


def invalid(errors: list[FieldError]) -> web.HTTPUnprocessableEntity:
    """422 naming each refused field (``errors``: field, code and the Arabic and English texts the editor shows)."""
    names = ", ".join(dict.fromkeys(e.field for e in errors))
    return http_error(web.HTTPUnprocessableEntity, "validation", f"correct these fields and resend: {names}",
                      errors=[e.to_json() for e in errors])


def from_validation(exc: ValidationFailed) -> web.HTTPUnprocessableEntity:
    return invalid(exc.errors)


def stale(current: StoredEntry) -> web.HTTPConflict:
    reason = f"the entry changed since you opened it (now rev {current.rev}); reload it and re-apply your edit"
    return http_error(web.HTTPConflict, "stale_version", reason, current=current.to_json())


def not_found(entry_id: str) -> web.HTTPNotFound:
    return http_error(web.HTTPNotFound, "not_found", f"no FAQ entry with id {entry_id!r}")


async def update(request: web.Request, entry_id: str, fields: dict[str, Any], rev: int, account: Any) -> StoredEntry:
    """Save an edit through the store, its refusals mapped to the editor API's error shape."""
    try:
        return await store_of(request).update(entry_id, fields, expected_rev=rev, actor=actor(account))
    except ValidationFailed as exc:
        raise from_validation(exc) from None
    except StaleVersion as exc:
        raise stale(exc.current) from None
    except NotFound:
        raise not_found(entry_id) from None


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def rev_of(data: dict[str, Any], required: bool) -> int | None:
    raw = data.get("rev")
    if raw is None and not required:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise invalid([FieldError("rev", "bad_version")])
    return int(raw)
