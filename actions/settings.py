"""Settings of the action server, read from the environment once in ``main``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.envconf import env_bool, env_choice, env_int, env_str, env_url


@dataclass(frozen=True)
class ActionSettings:
    host: str = "127.0.0.1"
    port: int = 5055
    index_dir: str = "var/index"
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "faq:"
    # Follow the FAQ store in Redis (live reindex); false serves the index on disk only.
    kb_live: bool = True
    log_format: str = "text"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ActionSettings:
        return cls(
            host=env_str("ACTIONS_HOST", cls.host, env),
            port=env_int("ACTIONS_PORT", cls.port, env, minimum=1, maximum=65535),
            index_dir=env_str("KB_INDEX_DIR", cls.index_dir, env),
            redis_url=env_url("REDIS_URL", cls.redis_url, env, schemes=("redis", "rediss", "unix")),
            redis_prefix=env_str("REDIS_PREFIX", cls.redis_prefix, env),
            kb_live=env_bool("KB_LIVE", cls.kb_live, env),
            log_format=env_choice("LOG_FORMAT", ("text", "json"), cls.log_format, env),
            log_level=env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), cls.log_level, env),
        )
