"""Stopping a task whose cancel was lost (common/tasks.py): the Python 3.11 ``wait_for`` race, reproduced."""

from __future__ import annotations

import asyncio
import sys

import pytest

from common.tasks import cancel_and_wait


async def loses_its_first_cancel(started: asyncio.Event, inner: asyncio.Future[int]) -> None:
    """A loop like the gateway's reaper: a redis-py write (``wait_for`` inside) then a sleep, forever."""
    while True:
        started.set()
        await asyncio.wait_for(inner, 5)
        await asyncio.sleep(0.05)


async def racing_task() -> tuple[asyncio.Task[None], asyncio.Future[int]]:
    """A task inside ``wait_for`` whose inner future completes in the same loop turn as its cancel."""
    started, inner = asyncio.Event(), asyncio.get_running_loop().create_future()
    task = asyncio.create_task(loses_its_first_cancel(started, inner), name="reaper-like")
    await started.wait()
    inner.set_result(1)
    return task, inner


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="wait_for keeps a concurrent cancel from 3.12 on")
async def test_on_this_python_one_cancel_can_be_lost_inside_wait_for() -> None:
    """Why cancel_and_wait exists: the race the next test relies on really loses a single cancel here."""
    task, _ = await racing_task()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.5)
    assert not done, "the cancel was kept: the race did not happen and the next test proves nothing"
    await cancel_and_wait([task])


async def test_a_task_that_lost_a_cancel_is_cancelled_again_until_it_ends() -> None:
    task, _ = await racing_task()
    left = await cancel_and_wait([task], within=2)
    assert left == set() and task.cancelled()


async def test_a_task_that_never_ends_is_reported_not_awaited_forever(caplog: pytest.LogCaptureFixture) -> None:
    held = True

    async def stubborn() -> None:
        while held:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    assert await cancel_and_wait([task], within=0.3) == {task}
    assert "stubborn" in caplog.text
    held = False  # let it end, so the test leaves no task behind
    assert await cancel_and_wait([task], within=2) == set()


async def test_a_failed_task_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def fails() -> None:
        raise ValueError("boom")

    task = asyncio.create_task(fails(), name="fails")
    await asyncio.wait({task})
    assert await cancel_and_wait([task]) == set()
    assert "fails" in caplog.text and "boom" in caplog.text
