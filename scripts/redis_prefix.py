"""Redis housekeeping for tests and benchmarks: each owns a key prefix and deletes it afterwards (never FLUSHDB)."""

from __future__ import annotations

import redis


def delete_prefix(redis_url: str, prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()
