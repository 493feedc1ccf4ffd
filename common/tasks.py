"""Stop background tasks for sure.

On Python 3.11, ``asyncio.wait_for`` returns the inner result instead of raising when a cancel arrives in
the same loop turn as the inner completion (fixed in 3.12). redis-py wraps every socket write in
``wait_for`` (its default ``socket_timeout``), so one cancel of a loop that talks to Redis can be lost and
the loop runs on. The gateway's shutdown awaited its reaper forever that way (a 300 s hang in CI); a
websocket's writer could do the same. Cancelling again until the task ends closes that gap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

RETRY_S = 0.1


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]], within: float = 5.0) -> set[asyncio.Task[Any]]:
    """Cancel ``tasks`` and wait for them, cancelling again while any runs on; returns those still
    running after ``within`` s (logged). A task's own exception is logged, not raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    given = list(tasks)
    pending = {t for t in given if not t.done()}
    done_all = set(given) - pending
    while pending:
        remaining = deadline - loop.time()
        if remaining <= 0:
            log.warning("%d task(s) still running %.1f s after cancel: %s", len(pending), within,
                        sorted(t.get_name() for t in pending))
            break
        for task in pending:
            task.cancel()
        done, pending = await asyncio.wait(pending, timeout=min(RETRY_S, remaining))
        done_all |= done
    for task in done_all:
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s failed before it was stopped", task.get_name(), exc_info=task.exception())
    return pending
