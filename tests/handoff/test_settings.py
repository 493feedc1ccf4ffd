"""Gateway settings from the environment: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

import pytest

from handoff.settings import settings_from_env
from knowledge_base.envconf import SettingsError


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
