"""A bot that answers nothing must not leave the citizen in silence (issue 13, item 1).

Rasa answers its REST call with [] when a custom action fails (action server down) or when it has no
usable model, while `GET /` still says it is up. The citizen must get error{bot_unavailable} (the widget
then offers a person) and /health must say the bot is not answering.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from scripts import procs
from tests.handoff.helpers import Gw, stand_in_rasa, start_gateway


@pytest.fixture
async def empty_rasa() -> AsyncIterator[str]:
    """Rasa with no usable model (unit level): up, and every turn answered with []."""

    async def nothing(_body: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    async with stand_in_rasa(nothing) as url:
        yield url


async def test_an_empty_bot_reply_becomes_bot_unavailable(empty_rasa: str, make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(rasa_url=empty_rasa, greeting_payload="")):
        await _citizen_hears_bot_unavailable(gw)
        async with gw.http.get(gw.url("/health")) as resp:
            body = await resp.json()
        assert resp.status == 503 and body["rasa"] == "ok" and body["bot"] == "silent", body


async def _citizen_hears_bot_unavailable(gw: Gw) -> None:
    citizen, _cid, _ = await gw.citizen()
    await citizen.send(type="message", msg_id="q1", text="ابي اكلم موظف")
    await citizen.wait_for(type="ack", msg_id="q1")
    err = await citizen.wait_for(type="error", within=20)
    assert err["code"] == "bot_unavailable" and err["msg_id"] == "q1"


@pytest.mark.rasa
@pytest.mark.slow
async def test_action_server_down_is_reported_and_never_silent(
    make_settings: Any, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    """Real Rasa and action server; the action server is stopped mid-life."""
    a_port, r_port = procs.free_port(), procs.free_port()
    actions = procs.action_server(a_port, tmp_path, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix,
                                  KB_INDEX_DIR=str(procs.ROOT / "var" / "index")).start()
    rasa = None
    try:
        actions.wait_healthy(timeout=120)
        rasa = procs.rasa_server(r_port, f"http://127.0.0.1:{a_port}/webhook", tmp_path, redis_url=redis_url,
                                 key_prefix="".join(ch for ch in redis_prefix if ch.isalnum())).start()
        rasa.wait_healthy(timeout=240)
        settings = make_settings(rasa_url=f"http://127.0.0.1:{r_port}", rasa_timeout_s=30.0, greeting_payload="",
                                 action_health_url=f"http://127.0.0.1:{a_port}/health")
        async for gw in start_gateway(settings):
            async with gw.http.get(gw.url("/health")) as resp:
                assert resp.status == 200 and (await resp.json())["actions"] == "ok"
            actions.stop()
            await _citizen_hears_bot_unavailable(gw)
            async with gw.http.get(gw.url("/health")) as resp:
                body = await resp.json()
            assert resp.status == 503 and body["actions"] == "down" and body["bot"] != "ok", body
    finally:
        if rasa is not None:
            rasa.stop()
        actions.stop()
