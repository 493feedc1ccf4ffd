"""Staff accounts: CLI creation, argon2 hashes, login, expiry, revocation, throttling, roles."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

import aiohttp
import redis
from aiohttp import web

from handoff.auth import authenticate, require_role
from scripts import procs
from tests.handoff.helpers import PASSWORD, Gw, start_gateway


def test_cli_creates_an_account_with_an_argon2_hash(redis_url: str, redis_prefix: str) -> None:
    env = procs.base_env(REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix)
    argv = [sys.executable, "-m", "handoff", "users", "add", "--username", "huda", "--role", "supervisor",
            "--display-name", "هدى", "--password-stdin"]
    done = subprocess.run(argv, input=PASSWORD + "\n", text=True, env=env, cwd=procs.ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr
    again = subprocess.run(argv, input=PASSWORD + "\n", text=True, env=env, cwd=procs.ROOT, capture_output=True)
    assert again.returncode == 1 and "already exists" in again.stderr
    with redis.Redis.from_url(redis_url) as client:
        stored = client.hgetall(f"{redis_prefix}ho:account:huda")
    assert stored[b"password_hash"].startswith(b"$argon2id$")
    assert PASSWORD.encode() not in b"".join(stored.values())
    assert stored[b"display_name"].decode() == "هدى"


def test_cli_bad_settings_exit_2_naming_the_variable(redis_url: str) -> None:
    env = procs.base_env(REDIS_URL="not a url", PORT="99999")
    done = subprocess.run([sys.executable, "-m", "handoff"], env=env, cwd=procs.ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "REDIS_URL" in done.stderr


async def test_login_me_logout_revokes_the_token(gw: Gw) -> None:
    token = await gw.account("sami", display_name="سامي")
    headers = {"Authorization": f"Bearer {token}"}
    async with gw.http.get(gw.url("/api/me"), headers=headers) as resp:
        assert resp.status == 200 and (await resp.json())["display_name"] == "سامي"
    async with gw.http.post(gw.url("/api/logout"), headers=headers) as resp:
        assert resp.status == 204
    async with gw.http.get(gw.url("/api/me"), headers=headers) as resp:
        assert resp.status == 401 and (await resp.json())["error"] == "bad_token"
    async with gw.http.get(gw.url("/api/me")) as resp:
        assert resp.status == 401 and (await resp.json())["error"] == "missing_token"


async def test_logout_closes_open_agent_sockets(gw: Gw) -> None:
    token = await gw.account("closer")
    agent = await gw.ws("/ws/agent")
    await agent.send(type="auth", token=token)
    await agent.wait_for(type="auth_ok")
    async with gw.http.post(gw.url("/api/logout"), headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 204
    assert (await agent.wait_for(type="error"))["code"] == "bad_token"
    closing = await agent.ws.receive()
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4401)


async def test_wrong_passwords_are_throttled(gw: Gw) -> None:
    await gw.gateway.accounts.add("target", "agent", "هدف", PASSWORD)
    statuses = []
    for _ in range(6):
        async with gw.http.post(gw.url("/api/login"), json={"username": "target", "password": "guess-123456"}) as r:
            statuses.append(r.status)
            retry = r.headers.get("Retry-After")
    assert statuses == [401] * 5 + [429]
    assert retry is not None and int(retry) > 0
    async with gw.http.post(gw.url("/api/login"), json={"username": "target", "password": PASSWORD}) as r:
        assert r.status == 429, "even the right password waits out the lock"
    async with gw.http.post(gw.url("/api/login"), json={"username": "nobody", "password": PASSWORD}) as r:
        assert r.status == 429, "the client IP is locked too"


async def test_unknown_user_and_disabled_account_cannot_log_in(gw: Gw) -> None:
    async with gw.http.post(gw.url("/api/login"), json={"username": "ghost", "password": PASSWORD}) as r:
        assert r.status == 401
    token = await gw.account("leaving")
    assert await gw.gateway.accounts.disable("leaving") == 1
    async with gw.http.get(gw.url("/api/me"), headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 401
    async with gw.http.post(gw.url("/api/login"), json={"username": "leaving", "password": PASSWORD}) as r:
        assert r.status == 401


async def test_require_role_and_supervisor_only_endpoints(gw: Gw) -> None:
    agent_token = await gw.account("plain")
    boss_token = await gw.account("boss", role="supervisor", display_name="مشرف")
    async with gw.http.get(gw.url("/api/csat/summary"), headers={"Authorization": f"Bearer {agent_token}"}) as r:
        assert r.status == 403 and (await r.json())["error"] == "forbidden"
    async with gw.http.get(gw.url("/api/csat/summary"), headers={"Authorization": f"Bearer {boss_token}"}) as r:
        assert r.status == 200 and (await r.json())["count"] == 0


async def test_authenticate_helper_for_other_packages(gw: Gw) -> None:
    token = await gw.account("helper", role="editor", display_name="محرر")

    async def handler(request: web.Request) -> web.Response:
        account = require_role(await authenticate(request), "editor")
        return web.json_response({"who": account.username})

    app = web.Application()
    app.router.add_get("/x", handler)
    from aiohttp.test_utils import TestClient, TestServer

    from handoff.appkeys import ACCOUNTS_KEY

    app[ACCOUNTS_KEY] = gw.gateway.accounts
    async with TestClient(TestServer(app)) as client:
        ok = await client.get("/x", headers={"Authorization": f"Bearer {token}"})
        assert ok.status == 200 and (await ok.json())["who"] == "helper"
        bad = await client.get("/x", headers={"Authorization": "Bearer nope"})
        assert bad.status == 401


async def test_concurrent_wrong_passwords_cannot_exceed_the_limit(gw: Gw) -> None:
    """Guesses fired at once must not all pass the check before the first failure is counted."""
    await gw.gateway.accounts.add("racer", "agent", "عداء", PASSWORD)

    async def guess(i: int) -> int:
        body = {"username": "racer", "password": f"guess-{i:06d}"}
        async with gw.http.post(gw.url("/api/login"), json=body) as r:
            return r.status

    statuses = await asyncio.gather(*(guess(i) for i in range(15)))
    assert statuses.count(401) == 5 and statuses.count(429) == 10, statuses


async def test_forwarded_for_cannot_be_spoofed_to_dodge_the_ip_lock(make_settings: Any) -> None:
    """Behind a proxy that appends to X-Forwarded-For, the client-written part must not pick the IP."""
    async for gw in start_gateway(make_settings(trust_proxy=True)):
        statuses = []
        for i in range(6):
            headers = {"X-Forwarded-For": f"198.51.100.{i}, 203.0.113.7"}
            body = {"username": f"spray{i}", "password": "guess-123456"}
            async with gw.http.post(gw.url("/api/login"), json=body, headers=headers) as r:
                statuses.append(r.status)
        assert statuses == [401] * 5 + [429]


async def test_agent_socket_closes_when_its_session_expires(make_settings: Any) -> None:
    """No revocation message (expiry, or one lost while pub/sub was down): the socket is still closed."""
    async for gw in start_gateway(make_settings(agent_timeout_s=5)):
        agent = await gw.agent("expiring")
        sessions = [k async for k in gw.gateway.redis.scan_iter(match=gw.gateway.keys.session("*"))]
        assert len(sessions) == 1
        await gw.gateway.redis.delete(*sessions)  # what the key TTL does at expiry
        assert (await agent.wait_for(type="error", within=8))["code"] == "bad_token"
        closing = await agent.ws.receive(timeout=5)
        assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 4401)
