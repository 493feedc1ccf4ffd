"""The widget's language choice reaches the bot: a `locale` frame changes the metadata of later bot turns."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.rasa import BotTurn
from tests.handoff.helpers import Gw, msg_id


@pytest.fixture
def seen(gw: Gw, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    async def send(cid: str, text: str, metadata: dict[str, Any] | None = None) -> BotTurn:
        got.append(dict(metadata or {}))
        return BotTurn(messages=[{"type": "bot_message", "text": "answer", "buttons": [], "links": []}])

    monkeypatch.setattr(gw.gateway.rasa, "send", send)
    return got


async def test_locale_frame_changes_the_language_sent_to_the_bot(gw: Gw, seen: list[dict[str, Any]]) -> None:
    client, cid, _ = await gw.citizen()
    await client.send(type="message", msg_id=msg_id(), text="تجديد الاقامة")
    await client.wait_for(type="bot_message")
    await client.send(type="locale", locale="en")
    await client.send(type="message", msg_id=msg_id(), text="iqama renewal")
    await client.wait_for(type="bot_message")
    assert [m["locale"] for m in seen] == ["ar", "en"]
    assert (await gw.gateway.conversations.get(cid))["locale"] == "en"


async def test_bad_or_early_locale_frames_are_refused(gw: Gw, seen: list[dict[str, Any]]) -> None:
    early = await gw.ws("/ws/chat")
    await early.send(type="locale", locale="en")
    assert (await early.wait_for(type="error"))["code"] == "not_started"
    client, cid, _ = await gw.citizen()
    await client.send(type="locale", locale="fr")
    await client.wait_for(type="error")
    assert (await gw.gateway.conversations.get(cid))["locale"] == "ar"
