"""Wait on a condition, not on the clock: a fixed sleep is either too short on a loaded machine (a flaky
test) or too long everywhere (a slow one). The limit only bounds a failure; a pass returns at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_for(predicate: Callable[[], Awaitable[T]], within: float, interval: float = 0.05,
                   what: str = "the condition") -> T:
    """Poll the async ``predicate`` until it returns a truthy value (returned); AssertionError past ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        value = await predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not hold within {within} s (last value: {value!r})")
        await asyncio.sleep(interval)


def wait_for_sync(predicate: Callable[[], T], within: float, interval: float = 0.05,
                  what: str = "the condition") -> T:
    """The same for a blocking predicate (threads, subprocesses)."""
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not hold within {within} s (last value: {value!r})")
        time.sleep(interval)
