"""Staff accounts (agent, supervisor, editor), argon2 password hashes, session tokens, login throttling.

Tokens are random (256 bits); Redis stores only their SHA-256, with the session's expiry as key TTL, so
logout (revocation) is a DEL and a leaked Redis dump does not hold usable tokens. Failed logins are
counted per username and per client IP; at ``LOGIN_MAX_FAILURES`` within ``LOGIN_LOCK_S`` the login is
refused with a retry-after until the window ends. Each attempt is counted before its password is checked
(and given back on success), so guesses sent in parallel cannot all pass the check at once.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass

import redis.asyncio as aioredis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from handoff.conversations import token_hash
from handoff.errors import AuthError, HandoffError, ThrottledError
from handoff.frames import clean_text
from handoff.keys import Keys
from handoff.redis_text import text

ROLES = ("agent", "supervisor", "editor")
MIN_PASSWORD_CHARS = 10  # also printed by `make run` (scripts/devstack.py), so nobody learns it by failing
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps timing the same as for known ones.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_UNRESERVE = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 1
"""


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    display_name: str
    expires_at: float = 0.0  # of the session that authenticated it
    token_hash: str = ""


@dataclass(frozen=True)
class Session:
    token: str
    expires_at: float
    account: Account


class AccountStore:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, session_ttl_s: int = 43200,
        max_failures: int = 5, lock_s: int = 900,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.session_ttl_s = session_ttl_s
        self.max_failures = max_failures
        self.lock_s = lock_s

    async def add(self, username: str, role: str, display_name: str, password: str) -> Account:
        if not _USERNAME_RE.match(username):
            raise HandoffError("username must be 2-32 characters of a-z 0-9 . _ - (lower case)", "invalid_username")
        if role not in ROLES:
            raise HandoffError(f"role must be one of {', '.join(ROLES)}", "invalid_role")
        if len(password) < MIN_PASSWORD_CHARS:
            raise HandoffError(f"password must be at least {MIN_PASSWORD_CHARS} characters", "weak_password")
        display_name = clean_text(display_name)
        if not display_name:
            raise HandoffError("display name must not be empty", "invalid_display_name")
        pw_hash = await asyncio.to_thread(_hasher.hash, password)
        created = await self.redis.hsetnx(self.keys.account(username), "password_hash", pw_hash)
        if not created:
            raise HandoffError(f"user {username!r} already exists", "user_exists")
        await self.redis.hset(self.keys.account(username), mapping={
            "role": role, "display_name": display_name, "created_at": f"{time.time():.0f}", "disabled": "0",
        })
        await self.redis.sadd(self.keys.accounts, username)
        return Account(username, role, display_name)

    async def get(self, username: str) -> dict[str, str] | None:
        raw = await self.redis.hgetall(self.keys.account(username))
        return {text(k): text(v) for k, v in raw.items()} or None

    async def list(self) -> list[dict[str, str]]:
        names = sorted(text(n) for n in await self.redis.smembers(self.keys.accounts))
        rows = []
        for name in names:
            data = await self.get(name) or {}
            rows.append({"username": name, "role": data.get("role", ""), "display_name": data.get("display_name", ""),
                         "disabled": data.get("disabled", "0")})
        return rows

    async def disable(self, username: str) -> int:
        """Disable the account and revoke all its sessions; returns how many sessions were revoked."""
        if not await self.get(username):
            raise HandoffError(f"user {username!r} does not exist", "unknown_user")
        await self.redis.hset(self.keys.account(username), "disabled", "1")
        hashes = [text(h) for h in await self.redis.smembers(self.keys.user_sessions(username))]
        for h in hashes:
            await self.revoke_hash(h)
        return len(hashes)

    async def _reserve_attempt(self, username: str, ip: str) -> None:
        """Count this attempt before verifying: concurrent guesses cannot all slip under the limit."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for kind, who in (("user", username), ("ip", ip)):
                key = self.keys.login_failures(kind, who)
                pipe.incr(key)
                pipe.expire(key, self.lock_s, nx=True)
                pipe.ttl(key)
            res = await pipe.execute()
        for count, ttl in ((res[0], res[2]), (res[3], res[5])):
            if int(count) > self.max_failures:
                raise ThrottledError("too many failed logins: wait and try again", max(1, int(ttl)))

    async def login(self, username: str, password: str, ip: str) -> Session:
        """A new session for valid credentials; AuthError or ThrottledError otherwise."""
        username = username.strip().lower()[:64]
        await self._reserve_attempt(username, ip)
        data = await self.get(username)
        stored = data.get("password_hash", _DUMMY_HASH) if data else _DUMMY_HASH
        try:
            ok: bool = await asyncio.to_thread(_hasher.verify, stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or data is None or data.get("disabled") == "1":
            raise AuthError("wrong username or password")  # the reserved attempt stays counted
        # A success is not a failure: give back the attempt reserved on the IP (never below zero).
        await self.redis.eval(_UNRESERVE, 2, self.keys.login_failures("user", username),
                              self.keys.login_failures("ip", ip))
        return await self._new_session(Account(username, data["role"], clean_text(data["display_name"])))

    async def _new_session(self, account: Account) -> Session:
        token = secrets.token_urlsafe(32)
        h = token_hash(token)
        expires = time.time() + self.session_ttl_s
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.keys.session(h), mapping={"username": account.username, "expires_at": f"{expires:.0f}"})
            pipe.expire(self.keys.session(h), self.session_ttl_s)
            pipe.sadd(self.keys.user_sessions(account.username), h)
            pipe.expire(self.keys.user_sessions(account.username), self.session_ttl_s)
            await pipe.execute()
        return Session(token, expires, account)

    async def from_token(self, token: str) -> Account:
        """The account a live session token belongs to (role read fresh, so disabling takes effect)."""
        h = token_hash(token)
        raw = await self.redis.hgetall(self.keys.session(h))
        if not raw:
            raise AuthError("session token is unknown, expired or revoked: log in again", "bad_token")
        username = text(raw[b"username"])
        data = await self.get(username)
        if not data or data.get("disabled") == "1":
            raise AuthError("account is disabled", "bad_token")
        # Cleaned on read too: a name stored before bidi overrides were stripped reaches citizens in entries.
        return Account(username, data["role"], clean_text(data["display_name"]), float(raw[b"expires_at"]), h)

    async def revoke(self, token: str) -> None:
        await self.revoke_hash(token_hash(token))

    async def revoke_hash(self, h: str) -> None:
        raw = await self.redis.hget(self.keys.session(h), "username")
        await self.redis.delete(self.keys.session(h))
        if raw:
            await self.redis.srem(self.keys.user_sessions(text(raw)), h)
        await self.redis.publish(self.keys.ch_revoked, f'{{"token_hash":"{h}"}}')
