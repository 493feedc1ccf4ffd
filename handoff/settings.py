"""Gateway settings: one frozen dataclass, built from the environment in ``main`` (never at import).

Every variable, its default and its meaning is listed in docs/configuration-handoff.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.envconf import (
    SettingsError,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
    env_url,
)
from common.redisconn import RedisTarget, target_from_env
from handoff.hours import BusinessHours


@dataclass(frozen=True)
class Settings:
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_prefix: str = "faq:"
    # Redis Sentinel (common/redisconn.py): empty = connect to redis_url directly.
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    redis_master_name: str = "faqbot"
    redis_wait_replicas: int = 0  # acked messages wait until this many replicas hold them
    redis_wait_timeout_ms: int = 500
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_s: float = 15.0
    # The action server's health URL (rasa-sdk's GET /health), for /health only: Rasa calls the action
    # server, the gateway never does. "" = not checked.
    action_health_url: str = ""
    host: str = "0.0.0.0"  # noqa: S104 - a gateway in a container listens on all interfaces
    port: int = 8080
    allowed_origins: tuple[str, ...] = ("http://localhost:8080", "http://127.0.0.1:8080")
    business_hours: str = "always"
    timezone: str = "Asia/Riyadh"
    agent_timeout_s: int = 30
    agent_heartbeat_s: int = 10
    max_frame_bytes: int = 4096
    citizen_rate_per_s: float = 5.0
    citizen_rate_burst: int = 20
    citizen_new_conversations_per_hour: int = 30
    citizen_max_sockets_per_ip: int = 20  # open citizen sockets per client IP on one gateway
    citizen_handshake_timeout_s: float = 20.0
    agent_rate_per_s: float = 20.0
    agent_rate_burst: int = 60
    session_ttl_s: int = 12 * 3600
    login_max_failures: int = 5
    login_lock_s: int = 900
    conversation_ttl_s: int = 30 * 86400
    greeting_payload: str = "/greet"
    default_wait_s: int = 120
    long_wait_offer_s: int = 600  # a queued citizen waiting this long is offered to leave a message
    citizen_absent_s: int = 30    # a queued citizen with no open socket this long is shown absent
    queue_abandon_s: int = 300    # ... and this long leaves the queue (abandoned: "left")
    priority_step_s: int = 600
    followup_due_s: int = 86400  # a dissatisfied citizen is called back within this (docs/followups.md)
    callback_number_retention_s: int = 14 * 86400  # a follow-up task and its mobile number are kept this long
    followup_leave_grace_s: int = 600  # a 👎 then no open page this long creates a follow-up task
    trust_proxy: bool = False
    # The gateway's own public origin (https://chat.example.gov.sa): always allowed, so the console and the
    # demo page served by the gateway connect whatever ALLOWED_ORIGINS lists. Empty: not set.
    public_origin: str = ""
    enable_editor: bool = True
    kb_index_dir: str = ""  # read by the editor API; empty: it falls back to KB_INDEX_DIR / var/index
    log_format: str = "text"
    log_level: str = "INFO"
    metrics_token: str = ""  # empty: /metrics is open (keep it behind the proxy); else a Bearer token
    # The dashboard reads the analytics store; with analytics_demo it reads the separate demo database.
    analytics_db_url: str = "sqlite:///var/analytics.sqlite3"
    analytics_demo: bool = False
    analytics_demo_db_url: str = "sqlite:///var/analytics-demo.sqlite3"
    chromium: str = "/usr/bin/chromium"  # prints the PDF report; missing: the PDF export answers 503

    @property
    def redis_target(self) -> RedisTarget:
        return RedisTarget(self.redis_url, self.redis_sentinels, self.redis_master_name, self.redis_wait_replicas,
                           self.redis_wait_timeout_ms)

    @property
    def hours(self) -> BusinessHours:
        return BusinessHours.parse(self.business_hours, ZoneInfo(self.timezone))


def _timezone(env: Mapping[str, str]) -> str:
    name = env_str("TIMEZONE", "Asia/Riyadh", env)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE={name!r} is not an IANA time zone (e.g. Asia/Riyadh)") from None
    return name


def _hours(env: Mapping[str, str], tz: str) -> str:
    raw = env_str("BUSINESS_HOURS", "always", env)
    try:
        BusinessHours.parse(raw, ZoneInfo(tz))
    except ValueError as exc:
        raise SettingsError(f"BUSINESS_HOURS={raw!r}: {exc}") from None
    return raw


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = env_float(name, default, env)
    if not value > 0:
        raise SettingsError(f"{name}={value!r} must be a number of seconds above 0")
    return value


def _log_level(env: Mapping[str, str]) -> str:
    level = env_str("LOG_LEVEL", "INFO", env).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LOG_LEVEL={level!r} must be one of DEBUG, INFO, WARNING, ERROR")
    return level


def _origin(env: Mapping[str, str], name: str) -> str:
    raw = env_str(name, "", env).rstrip("/")
    if not raw:
        return ""
    env_url(name, raw, {name: raw}, schemes=("http", "https"))
    if urlparse(raw).path or urlparse(raw).query:
        raise SettingsError(f"{name}={raw!r} must be an origin (scheme://host[:port]), without a path")
    return raw


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    """Read every GATEWAY variable; raises SettingsError naming the first bad one."""
    env = os.environ if env is None else env
    d = Settings()
    tz = _timezone(env)
    greeting = env.get("GREETING_PAYLOAD")
    redis = target_from_env(env)
    return Settings(
        redis_url=env_url("REDIS_URL", d.redis_url, env, schemes=("redis", "rediss", "unix")),
        redis_prefix=env_str("REDIS_PREFIX", d.redis_prefix, env),
        redis_sentinels=redis.sentinels,
        redis_master_name=redis.master_name,
        redis_wait_replicas=redis.wait_replicas,
        redis_wait_timeout_ms=redis.wait_timeout_ms,
        rasa_url=env_url("RASA_URL", d.rasa_url, env, schemes=("http", "https")).rstrip("/"),
        rasa_timeout_s=env_float("RASA_TIMEOUT_S", d.rasa_timeout_s, env),
        action_health_url=(env_url("ACTION_HEALTH_URL", None, env, schemes=("http", "https"))
                           if env.get("ACTION_HEALTH_URL") else ""),
        host=env_str("HOST", d.host, env),
        port=env_int("PORT", d.port, env, minimum=1, maximum=65535),
        allowed_origins=env_list("ALLOWED_ORIGINS", ",".join(d.allowed_origins), env),
        business_hours=_hours(env, tz),
        timezone=tz,
        agent_timeout_s=env_int("AGENT_TIMEOUT_S", d.agent_timeout_s, env, minimum=2),
        agent_heartbeat_s=env_int("AGENT_HEARTBEAT_S", d.agent_heartbeat_s, env, minimum=1),
        max_frame_bytes=env_int("MAX_FRAME_BYTES", d.max_frame_bytes, env, minimum=512, maximum=65536),
        citizen_rate_per_s=env_float("CITIZEN_RATE_PER_S", d.citizen_rate_per_s, env),
        citizen_rate_burst=env_int("CITIZEN_RATE_BURST", d.citizen_rate_burst, env, minimum=1),
        citizen_new_conversations_per_hour=env_int(
            "CITIZEN_NEW_CONVERSATIONS_PER_HOUR", d.citizen_new_conversations_per_hour, env, minimum=1),
        citizen_max_sockets_per_ip=env_int("CITIZEN_MAX_SOCKETS_PER_IP", d.citizen_max_sockets_per_ip, env, minimum=1),
        citizen_handshake_timeout_s=_positive(env, "CITIZEN_HANDSHAKE_TIMEOUT_S", d.citizen_handshake_timeout_s),
        agent_rate_per_s=env_float("AGENT_RATE_PER_S", d.agent_rate_per_s, env),
        agent_rate_burst=env_int("AGENT_RATE_BURST", d.agent_rate_burst, env, minimum=1),
        session_ttl_s=env_int("SESSION_TTL_S", d.session_ttl_s, env, minimum=60),
        login_max_failures=env_int("LOGIN_MAX_FAILURES", d.login_max_failures, env, minimum=1),
        login_lock_s=env_int("LOGIN_LOCK_S", d.login_lock_s, env, minimum=1),
        conversation_ttl_s=env_int("CONVERSATION_TTL_S", d.conversation_ttl_s, env, minimum=3600),
        # An explicitly empty GREETING_PAYLOAD disables the greeting turn.
        greeting_payload=d.greeting_payload if greeting is None else greeting.strip(),
        default_wait_s=env_int("DEFAULT_WAIT_S", d.default_wait_s, env, minimum=1),
        long_wait_offer_s=env_int("LONG_WAIT_OFFER_S", d.long_wait_offer_s, env, minimum=1),
        citizen_absent_s=env_int("CITIZEN_ABSENT_S", d.citizen_absent_s, env, minimum=1),
        queue_abandon_s=env_int("QUEUE_ABANDON_S", d.queue_abandon_s, env, minimum=1),
        priority_step_s=env_int("PRIORITY_STEP_S", d.priority_step_s, env, minimum=0),
        followup_due_s=env_int("FOLLOWUP_DUE_S", d.followup_due_s, env, minimum=60),
        callback_number_retention_s=env_int("CALLBACK_NUMBER_RETENTION_S", d.callback_number_retention_s, env,
                                            minimum=3600),
        followup_leave_grace_s=env_int("FOLLOWUP_LEAVE_GRACE_S", d.followup_leave_grace_s, env, minimum=1),
        trust_proxy=env_bool("TRUST_PROXY", d.trust_proxy, env),
        public_origin=_origin(env, "PUBLIC_ORIGIN"),
        enable_editor=env_bool("ENABLE_EDITOR", d.enable_editor, env),
        kb_index_dir=env_str("KB_INDEX_DIR", "var/index", env),
        log_format=env_choice("LOG_FORMAT", ("text", "json"), d.log_format, env),
        log_level=_log_level(env),
        metrics_token=env_str("METRICS_TOKEN", d.metrics_token, env),
        **_analytics(env, d),
    )


def _analytics(env: Mapping[str, str], d: Settings) -> dict[str, Any]:
    urls = {}
    for name, default in (("ANALYTICS_DB_URL", d.analytics_db_url), ("ANALYTICS_DEMO_DB_URL", d.analytics_demo_db_url)):
        raw = env_str(name, default, env)
        if "://" not in raw:
            raise SettingsError(f"{name}={raw!r} must be an SQLAlchemy URL (sqlite:///var/x.sqlite3, postgresql+psycopg://...)")
        urls[name] = raw
    if env_bool("ANALYTICS_DEMO", d.analytics_demo, env) and urls["ANALYTICS_DB_URL"] == urls["ANALYTICS_DEMO_DB_URL"]:
        raise SettingsError("ANALYTICS_DEMO_DB_URL must differ from ANALYTICS_DB_URL: demo data never mixes with "
                            "real data")
    return {"analytics_db_url": urls["ANALYTICS_DB_URL"], "analytics_demo_db_url": urls["ANALYTICS_DEMO_DB_URL"],
            "analytics_demo": env_bool("ANALYTICS_DEMO", d.analytics_demo, env),
            "chromium": env_str("CHROMIUM", d.chromium, env)}
