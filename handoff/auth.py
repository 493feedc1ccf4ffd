"""HTTP authentication for staff APIs: ``authenticate(request)`` and ``require_role(account, *roles)``.

Used by the gateway's own endpoints and by the editor API (``/api/faq``).
"""

from __future__ import annotations

from aiohttp import web

from handoff.accounts import Account
from handoff.appkeys import ACCOUNTS_KEY
from handoff.errors import AuthError
from handoff.http_errors import http_error


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def authenticate(request: web.Request) -> Account:
    """The account behind the request's ``Authorization: Bearer <token>``; raises HTTPUnauthorized (JSON)."""
    token = bearer_token(request)
    if token is None:
        raise http_error(web.HTTPUnauthorized, "missing_token", "send Authorization: Bearer <token> from /api/login")
    try:
        return await request.app[ACCOUNTS_KEY].from_token(token)
    except AuthError as exc:
        raise http_error(web.HTTPUnauthorized, "bad_token", exc.message) from None


def require_role(account: Account, *roles: str) -> Account:
    """Raise HTTPForbidden (JSON) unless the account has one of ``roles``."""
    if account.role not in roles:
        raise http_error(web.HTTPForbidden, "forbidden", f"this needs the role {' or '.join(roles)}")
    return account
