"""Where a hung async test waits: pytest-timeout's thread dump shows only the event loop polling, so
shortly before the limit every running loop's tasks print their await chains (to stderr, kept by pytest
with the failure). This is how the gateway's lost-cancel hang (common/tasks.py) was found."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Iterator

import pytest

TASK_DUMP_BEFORE_S = 20.0


def _await_chain(coro: object) -> list[str]:
    """Each frame from a task's coroutine down to the innermost await (a task's own stack shows only its top)."""
    chain: list[str] = []
    while coro is not None and len(chain) < 40:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        coro = (getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
                or getattr(coro, "ag_await", None))
    return chain


def dump_async_tasks(nodeid: str) -> None:
    # type(), not isinstance(): isinstance reads __class__, which some objects compute (torch's deprecated
    # reduce_op warns, an error under the test settings) and the dump itself then failed.
    loops = [o for o in gc.get_objects() if issubclass(type(o), asyncio.AbstractEventLoop) and o.is_running()]
    for loop in loops:
        for _ in range(3):  # all_tasks from another thread may see the set change: retry
            try:
                tasks = list(asyncio.all_tasks(loop))
                break
            except RuntimeError:
                continue
        else:
            continue
        print(f"\n+++ {nodeid}: {len(tasks)} asyncio tasks still waiting +++", file=sys.stderr)
        for task in tasks:
            print(f"- {task.get_name()}:", file=sys.stderr)
            for where in _await_chain(task.get_coro()):
                print(f"    {where}", file=sys.stderr)


@pytest.fixture(autouse=True)
def _async_task_dump_on_hang(request: pytest.FixtureRequest) -> Iterator[None]:
    limit = request.config.getoption("timeout", None) or request.config.getini("timeout")
    if not limit or float(limit) <= TASK_DUMP_BEFORE_S:
        yield
        return
    timer = threading.Timer(float(limit) - TASK_DUMP_BEFORE_S, dump_async_tasks, (request.node.nodeid,))
    timer.daemon = True
    timer.start()
    yield
    timer.cancel()
