"""HTTP authentication for staff APIs: ``authenticate(request)`` and ``require_role(account, *roles)``.

Used by the gateway's own endpoints and by the editor API (``/api/faq``).
"""

from __future__ import annotations

import json

from aiohttp import web

from handoff.accounts import Account, AccountStore
from handoff.errors import AuthError

ACCOUNTS_KEY: web.AppKey[AccountStore] = web.AppKey("accounts", AccountStore)


def _json_error(cls: type[web.HTTPException], code: str, message: str) -> web.HTTPException:
    return cls(text=json.dumps({"error": code, "message": message}), content_type="application/json")


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def authenticate(request: web.Request) -> Account:
    """The account behind the request's ``Authorization: Bearer <token>``; raises HTTPUnauthorized (JSON)."""
    token = bearer_token(request)
    if token is None:
        raise _json_error(web.HTTPUnauthorized, "missing_token", "send Authorization: Bearer <token> from /api/login")
    try:
        return await request.app[ACCOUNTS_KEY].from_token(token)
    except AuthError as exc:
        raise _json_error(web.HTTPUnauthorized, "bad_token", exc.message) from None


def require_role(account: Account, *roles: str) -> Account:
    """Raise HTTPForbidden (JSON) unless the account has one of ``roles``."""
    if account.role not in roles:
        raise _json_error(web.HTTPForbidden, "forbidden", f"this needs the role {' or '.join(roles)}")
    return account
