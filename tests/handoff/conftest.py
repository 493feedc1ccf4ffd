"""Fixtures for the gateway tests: a real gateway app on a real port, real Redis, websocket clients."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import pytest

from handoff.settings import Settings
from tests.handoff.helpers import ORIGIN, Gw, start_gateway


@pytest.fixture
def settings(redis_url: str, redis_prefix: str) -> Settings:
    return Settings(
        redis_url=redis_url, redis_prefix=redis_prefix, rasa_url="http://127.0.0.1:9",
        rasa_timeout_s=2.0, allowed_origins=(ORIGIN,), enable_editor=False, greeting_payload="",
        agent_timeout_s=30, citizen_rate_burst=50, agent_rate_burst=500, agent_rate_per_s=200,
    )


@pytest.fixture
async def gw(settings: Settings) -> AsyncIterator[Gw]:
    async for g in start_gateway(settings):
        yield g


@pytest.fixture(autouse=True)
def _collect_leaks() -> Iterator[None]:
    """A socket leaked by a gateway test is reported (a warning) here, not as a failure of a later test in a
    folder where warnings are errors (tests/conftest.py)."""
    yield
    gc.collect()


@pytest.fixture
def make_settings(settings: Settings) -> Any:
    return lambda **changes: replace(settings, **changes)


