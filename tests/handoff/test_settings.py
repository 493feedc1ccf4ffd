"""Gateway settings from the environment: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import fields

import pytest
import yaml

from common.envconf import SettingsError
from handoff.settings import Settings, settings_from_env
from scripts.procs import ROOT


def test_defaults() -> None:
    s = settings_from_env({})
    assert (s.port, s.timezone, s.business_hours, s.redis_prefix) == (8080, "Asia/Riyadh", "always", "faq:")
    assert s.greeting_payload == "/greet" and s.hours.always
    assert (s.citizen_new_conversations_per_hour, s.citizen_handshake_timeout_s) == (30, 20.0)


def test_values_are_parsed() -> None:
    s = settings_from_env({"ALLOWED_ORIGINS": "https://a.gov.sa, https://b.gov.sa", "GREETING_PAYLOAD": "",
                           "BUSINESS_HOURS": "sun-thu 08:00-16:00", "LOG_LEVEL": "debug", "AGENT_TIMEOUT_S": "45",
                           "CITIZEN_NEW_CONVERSATIONS_PER_HOUR": "100", "CITIZEN_HANDSHAKE_TIMEOUT_S": "7.5"})
    assert s.allowed_origins == ("https://a.gov.sa", "https://b.gov.sa")
    assert s.greeting_payload == "" and s.log_level == "DEBUG" and s.agent_timeout_s == 45
    assert not s.hours.always
    assert (s.citizen_new_conversations_per_hour, s.citizen_handshake_timeout_s) == (100, 7.5)


@pytest.mark.parametrize(
    ("env", "name"),
    [({"PORT": "http"}, "PORT"), ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
     ({"BUSINESS_HOURS": "weekdays"}, "BUSINESS_HOURS"), ({"REDIS_URL": "localhost"}, "REDIS_URL"),
     ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
     ({"CITIZEN_NEW_CONVERSATIONS_PER_HOUR": "0"}, "CITIZEN_NEW_CONVERSATIONS_PER_HOUR"),
     ({"CITIZEN_HANDSHAKE_TIMEOUT_S": "0"}, "CITIZEN_HANDSHAKE_TIMEOUT_S"),
     ({"CITIZEN_HANDSHAKE_TIMEOUT_S": "soon"}, "CITIZEN_HANDSHAKE_TIMEOUT_S")],
)
def test_bad_values_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        settings_from_env(env)


def test_public_origin_must_be_an_origin() -> None:
    assert settings_from_env({"PUBLIC_ORIGIN": "https://chat.gov.sa/"}).public_origin == "https://chat.gov.sa"
    assert settings_from_env({}).public_origin == ""
    for bad in ("chat.gov.sa", "https://chat.gov.sa/console", "ftp://chat.gov.sa"):
        with pytest.raises(SettingsError, match="PUBLIC_ORIGIN"):
            settings_from_env({"PUBLIC_ORIGIN": bad})


def _compose_env(**env: str) -> dict[str, str]:
    """The gateway's environment as docker compose resolves it (values from the shell, else defaults)."""
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is not installed (Debian's docker-compose package)")
    full = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")} | {"ALLOWED_ORIGINS": "https://a.gov.sa"}
    out = subprocess.run([exe, "-f", str(ROOT / "docker-compose.yml"), "config"], capture_output=True, text=True,
                         env=full | env, check=True).stdout
    return {k: str(v) for k, v in yaml.safe_load(out)["services"]["handoff"]["environment"].items()}


def test_compose_passes_every_gateway_setting_with_the_gateways_defaults() -> None:
    """Probe item 9: TRUST_PROXY, CITIZEN_NEW_CONVERSATIONS_PER_HOUR, BUSINESS_HOURS… could not be set."""
    env = _compose_env()
    names = {f.name.upper() for f in fields(Settings)}
    assert names - env.keys() == set()
    fixed = {"REDIS_URL", "HOST", "PORT", "RASA_URL", "ACTION_HEALTH_URL", "KB_INDEX_DIR", "ALLOWED_ORIGINS",
             "LOG_FORMAT", "ANALYTICS_DB_URL",
             "TRUST_PROXY"}  # fixed to true: the compose file's nginx is the one proxy in front of every gateway
    compose, default = settings_from_env(env), Settings()
    for f in fields(Settings):
        if f.name.upper() not in fixed:
            assert getattr(compose, f.name) == getattr(default, f.name), f.name

    given = {"TRUST_PROXY": "true", "CITIZEN_NEW_CONVERSATIONS_PER_HOUR": "500", "GREETING_PAYLOAD": "",
             "BUSINESS_HOURS": "sun-thu 08:00-16:00", "PUBLIC_ORIGIN": "https://chat.gov.sa"}
    s = settings_from_env(_compose_env(**given))
    assert (s.trust_proxy, s.citizen_new_conversations_per_hour, s.greeting_payload, s.business_hours,
            s.public_origin) == (True, 500, "", "sun-thu 08:00-16:00", "https://chat.gov.sa")


def test_dashboard_settings_keep_demo_data_apart() -> None:
    s = settings_from_env({"ANALYTICS_DEMO": "true", "CHROMIUM": "/opt/chromium"})
    assert s.analytics_demo and s.analytics_demo_db_url != s.analytics_db_url and s.chromium == "/opt/chromium"
    with pytest.raises(SettingsError, match="ANALYTICS_DEMO_DB_URL must differ"):
        settings_from_env({"ANALYTICS_DEMO": "true", "ANALYTICS_DB_URL": "sqlite:///x.db",
                           "ANALYTICS_DEMO_DB_URL": "sqlite:///x.db"})
    with pytest.raises(SettingsError, match="ANALYTICS_DB_URL"):
        settings_from_env({"ANALYTICS_DB_URL": "var/analytics.sqlite3"})
