"""One way every service connects to Redis: a plain URL, or a primary found through Redis Sentinel.

With ``REDIS_SENTINELS`` set, clients ask the sentinels for the current primary of ``REDIS_MASTER_NAME`` on
every new connection, so after a fail-over they reconnect to the promoted replica by themselves (the URL
then only gives the database number and password). Lua scripts are registered with redis-py's ``Script``,
which reloads a script the new primary has never seen (NOSCRIPT) and retries, so fail-over needs nothing
more from the callers. Why Sentinel and not Cluster: docs/redis-data-model.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from common.envconf import SettingsError, env_int, env_str, env_url

DEFAULT_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class RedisTarget:
    url: str = DEFAULT_URL
    sentinels: tuple[tuple[str, int], ...] = ()  # empty: connect to ``url`` directly
    master_name: str = "faqbot"
    # Acknowledged citizen/agent messages wait until this many replicas hold them (0: don't wait).
    wait_replicas: int = 0
    wait_timeout_ms: int = 500

    def _url_kwargs(self) -> dict[str, Any]:
        url = urlparse(self.url)
        kwargs: dict[str, Any] = {"db": int((url.path or "/0").lstrip("/") or 0)}
        if url.password:
            kwargs["password"] = unquote(url.password)
        if url.username:
            kwargs["username"] = unquote(url.username)
        return kwargs


def parse_sentinels(raw: str, name: str = "REDIS_SENTINELS") -> tuple[tuple[str, int], ...]:
    """``host:port,host:port`` -> ((host, port), ...); raises SettingsError naming the variable."""
    found = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingsError(f"{name}={raw!r}: each entry must be host:port (e.g. 10.0.0.5:26379)")
        found.append((host, int(port)))
    return tuple(found)


def target_from_env(env: Mapping[str, str] | None = None) -> RedisTarget:
    env = os.environ if env is None else env
    d = RedisTarget()
    return RedisTarget(
        url=env_url("REDIS_URL", d.url, env, schemes=("redis", "rediss", "unix")),
        sentinels=parse_sentinels(env_str("REDIS_SENTINELS", "", env)),
        master_name=env_str("REDIS_MASTER_NAME", d.master_name, env) or d.master_name,
        wait_replicas=env_int("REDIS_WAIT_REPLICAS", d.wait_replicas, env, minimum=0, maximum=10),
        wait_timeout_ms=env_int("REDIS_WAIT_TIMEOUT_MS", d.wait_timeout_ms, env, minimum=1, maximum=60000),
    )


def async_client(target: RedisTarget, **kwargs: Any) -> Any:
    """A ``redis.asyncio.Redis`` for the target; ``max_connections`` gives a blocking pool of that size."""
    import redis.asyncio as aioredis
    from redis.asyncio.sentinel import Sentinel

    if target.sentinels:
        kwargs.pop("max_connections", None)  # the sentinel pool grows as needed
        sentinel = Sentinel(list(target.sentinels), socket_timeout=2, socket_connect_timeout=2)
        return sentinel.master_for(target.master_name, **target._url_kwargs(), **kwargs)
    if "max_connections" in kwargs:
        pool = aioredis.BlockingConnectionPool.from_url(target.url, timeout=10, **kwargs)
        return aioredis.Redis(connection_pool=pool)
    return aioredis.Redis.from_url(target.url, **kwargs)


def sync_client(target: RedisTarget, **kwargs: Any) -> Any:
    import redis
    from redis.sentinel import Sentinel

    if target.sentinels:
        sentinel = Sentinel(list(target.sentinels), socket_timeout=2, socket_connect_timeout=2)
        return sentinel.master_for(target.master_name, **target._url_kwargs(), **kwargs)
    return redis.Redis.from_url(target.url, **kwargs)
