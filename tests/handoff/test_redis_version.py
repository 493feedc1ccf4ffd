"""The gateway refuses, at start-up, a Redis its scripts cannot run on (PEXPIRETIME needs 7.0)."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from handoff.errors import RedisVersionError
from handoff.lua import require_redis_version


class FakeRedis:
    def __init__(self, version: str | None = None, down: bool = False) -> None:
        self.version, self.down = version, down

    async def info(self, section: str) -> dict[str, str]:
        if self.down:
            raise RedisConnectionError("connection refused")
        return {"redis_version": self.version} if self.version else {}


@pytest.mark.parametrize("version", ["6.2.14", "6.0.16", "5.0.7"])
async def test_an_old_redis_is_refused_naming_the_fix(version: str) -> None:
    with pytest.raises(RedisVersionError, match=rf"Redis {version} .* >= 7\.0.*redis:7\.2"):
        await require_redis_version(FakeRedis(version))


@pytest.mark.parametrize("version", ["7.0.0", "7.2.4", "8.0.1", "10.1"])
async def test_supported_versions_start(version: str) -> None:
    await require_redis_version(FakeRedis(version))


async def test_an_unreachable_redis_does_not_stop_the_start() -> None:
    await require_redis_version(FakeRedis(down=True))


async def test_the_real_redis_of_these_tests_is_accepted(redis_url: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        await require_redis_version(client)
    finally:
        await client.aclose()
