"""Settings readers fail with a message that names the variable."""

from __future__ import annotations

import pytest

from common.envconf import SettingsError, env_bool, env_choice, env_int, env_list, env_url


def test_missing_required_variable_is_named() -> None:
    with pytest.raises(SettingsError, match="RASA_URL is not set"):
        env_url("RASA_URL", env={})


def test_defaults_apply_when_unset_or_blank() -> None:
    assert env_int("PORT", 8080, env={"PORT": "  "}) == 8080


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: env_int("PORT", env={"PORT": "eighty"}), "PORT"),
        (lambda: env_int("PORT", env={"PORT": "0"}, minimum=1), "PORT"),
        (lambda: env_url("REDIS_URL", env={"REDIS_URL": "localhost"}), "REDIS_URL"),
        (lambda: env_url("REDIS_URL", env={"REDIS_URL": "http://x:1"}, schemes=("redis",)), "REDIS_URL"),
        (lambda: env_url("RASA_URL", env={"RASA_URL": "http://x:port"}), "RASA_URL"),
        (lambda: env_bool("DEBUG", env={"DEBUG": "maybe"}), "DEBUG"),
        (lambda: env_choice("LOG_FORMAT", ("text", "json"), env={"LOG_FORMAT": "xml"}), "LOG_FORMAT"),
    ],
)
def test_malformed_values_are_refused_naming_the_variable(call, name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        call()


def test_list_values_are_split_and_trimmed() -> None:
    assert env_list("ALLOWED_ORIGINS", env={"ALLOWED_ORIGINS": "https://a.sa, https://b.sa ,"}) == (
        "https://a.sa",
        "https://b.sa",
    )
