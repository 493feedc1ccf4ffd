"""Typed readers for environment variables, shared by every service's settings.

Each service builds one frozen dataclass in its ``main`` from these readers, so a missing or
malformed variable fails at start-up with a one-line message that names the variable and the fix.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


def _raw(env: Mapping[str, str], name: str, default: str | None) -> str:
    value = env.get(name)
    if value is None or value.strip() == "":
        if default is None:
            raise SettingsError(f"{name} is not set: set it in the environment or in .env (see .env.example)")
        return default
    return value.strip()


def env_str(name: str, default: str | None = None, env: Mapping[str, str] | None = None) -> str:
    return _raw(os.environ if env is None else env, name, default)


def env_int(
    name: str,
    default: int | None = None,
    env: Mapping[str, str] | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    raw = _raw(os.environ if env is None else env, name, None if default is None else str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise SettingsError(f"{name}={value} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{name}={value} is above the maximum {maximum}")
    return value


def env_float(name: str, default: float | None = None, env: Mapping[str, str] | None = None) -> float:
    raw = _raw(os.environ if env is None else env, name, None if default is None else str(default))
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None


def env_bool(name: str, default: bool | None = None, env: Mapping[str, str] | None = None) -> bool:
    raw = _raw(os.environ if env is None else env, name, None if default is None else str(default))
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r} is not a boolean (use true or false)")


def env_url(
    name: str, default: str | None = None, env: Mapping[str, str] | None = None, schemes: tuple[str, ...] = ()
) -> str:
    raw = _raw(os.environ if env is None else env, name, default)
    parsed = urlparse(raw)
    if not parsed.scheme or not (parsed.hostname or parsed.path):
        raise SettingsError(f"{name}={raw!r} is not a URL (expected e.g. {schemes[0] if schemes else 'http'}://host:port)")
    if schemes and parsed.scheme not in schemes:
        raise SettingsError(f"{name}={raw!r} must use one of the schemes {', '.join(schemes)}")
    try:
        parsed.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise SettingsError(f"{name}={raw!r} has a malformed port") from None
    return raw


def env_list(name: str, default: str | None = None, env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    raw = _raw(os.environ if env is None else env, name, default)
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def env_choice(
    name: str, choices: tuple[str, ...], default: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    raw = _raw(os.environ if env is None else env, name, default)
    if raw not in choices:
        raise SettingsError(f"{name}={raw!r} must be one of: {', '.join(choices)}")
    return raw
