"""The gateway's shutdown ends even when a background loop loses its cancel (Python 3.11 + redis-py)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from handoff.gateway import Gateway
from handoff.settings import Settings
from tests.handoff.helpers import start_gateway


async def test_shutdown_ends_when_the_reaper_swallows_a_cancel(settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen in CI as a 300 s hang: the reaper was cancelled inside a redis-py write, the cancel was lost
    (asyncio.wait_for on 3.11) and the shutdown awaited a loop that ran on."""
    inside = asyncio.Event()
    swallowed: list[int] = []
    real = Gateway.reap_once

    async def loses_one_cancel(self: Gateway) -> int:
        if not swallowed:
            inside.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                swallowed.append(1)  # as wait_for does when its inner write finished in the same turn
                return 0
        return await real(self)

    monkeypatch.setattr(Gateway, "reap_once", loses_one_cancel)
    gen = start_gateway(replace(settings, agent_timeout_s=2))
    await gen.__anext__()
    await asyncio.wait_for(inside.wait(), 10)
    teardown = asyncio.ensure_future(gen.__anext__())  # clients, server, gateway.stop()
    done, _ = await asyncio.wait({teardown}, timeout=10)  # not wait_for: its cancel would end the wait
    assert done, "the gateway's shutdown did not end"
    assert isinstance(teardown.exception(), StopAsyncIteration)
    assert swallowed == [1]
