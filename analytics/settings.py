"""Analytics settings: one frozen dataclass read from the environment in ``main`` (never at import)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics import keys
from common.envconf import SettingsError, env_choice, env_int, env_str, env_url

DEFAULT_DB_URL = "sqlite:///var/analytics.sqlite3"


@dataclass(frozen=True)
class AnalyticsSettings:
    db_url: str = DEFAULT_DB_URL
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "faq:"
    retention_days: int = 730  # outcome records outlive the conversation (CONVERSATION_TTL_S) by far
    timezone: str = "Asia/Riyadh"  # days, weeks and quarters of the report are local to it
    consumer_name: str = "analytics-1"
    group: str = keys.GROUP  # consumer group: a second store fed from the same stream needs its own
    batch: int = 500
    log_format: str = "text"
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AnalyticsSettings:
        env = os.environ if env is None else env
        db_url = env_str("ANALYTICS_DB_URL", DEFAULT_DB_URL, env)
        if not db_url.startswith(("sqlite:", "postgresql")):
            raise SettingsError(f"ANALYTICS_DB_URL={db_url!r} must be a sqlite:/// or postgresql+psycopg:// URL")
        tz = env_str("TIMEZONE", cls.timezone, env)
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"TIMEZONE={tz!r} is not an IANA time zone (e.g. Asia/Riyadh)") from None
        return cls(
            db_url=db_url,
            redis_url=env_url("REDIS_URL", cls.redis_url, env, schemes=("redis", "rediss", "unix")),
            redis_prefix=env_str("REDIS_PREFIX", cls.redis_prefix, env),
            retention_days=env_int("ANALYTICS_RETENTION_DAYS", cls.retention_days, env, minimum=1),
            timezone=tz,
            consumer_name=env_str("ANALYTICS_CONSUMER", socket.gethostname() or cls.consumer_name, env),
            group=env_str("ANALYTICS_GROUP", cls.group, env),
            batch=env_int("ANALYTICS_BATCH", cls.batch, env, minimum=1, maximum=10000),
            log_format=env_choice("LOG_FORMAT", ("text", "json"), cls.log_format, env),
            log_level=env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), cls.log_level, env),
        )
