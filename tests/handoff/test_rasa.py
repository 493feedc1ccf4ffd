"""Rasa client against a fake REST channel (unit test of the client only) and reply parsing."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from handoff.rasa import RasaClient, RasaUnavailable, parse_replies


def test_parse_text_buttons_links_and_handoff() -> None:
    turn = parse_replies([
        {"recipient_id": "c_1", "text": "يمكنك التجديد عبر أبشر",
         "buttons": [{"title": "نعم", "payload": "/affirm"}, {"title": 5}]},
        {"recipient_id": "c_1", "custom": {"links": [
            {"title": "أبشر", "url": "https://absher.sa"}, "javascript:alert(1)", "tel:920020405",
            {"title": "x", "url": "http://insecure.example"}]}},
        {"recipient_id": "c_1", "custom": {"handoff": {
            "reason": "low_confidence", "topic": "passports", "summary": ["جوازي"],
            "candidates": [{"id": "p1", "question": "تجديد", "score": 0.4}]}}},
    ])
    assert turn.messages[0]["buttons"] == [{"title": "نعم", "payload": "/affirm"}]
    assert [link["url"] for link in turn.messages[1]["links"]] == ["https://absher.sa", "tel:920020405"]
    assert turn.handoff == {"reason": "low_confidence", "topic": "passports", "summary": ["جوازي"],
                            "candidates": [{"id": "p1", "question": "تجديد", "score": 0.4}]}


def test_unknown_handoff_reason_becomes_user_request() -> None:
    turn = parse_replies([{"custom": {"handoff": {"reason": "bogus"}}}])
    assert turn.handoff is not None and turn.handoff["reason"] == "user_request"
    assert turn.messages == []


async def test_client_sends_the_gateway_conversation_id_as_sender() -> None:
    seen: list[dict[str, Any]] = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return web.json_response([{"recipient_id": "c_42", "text": "أهلاً"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = TestServer(app)
    await server.start_server()
    client = RasaClient(str(server.make_url("")), 2.0)
    try:
        turn = await client.send("c_42", "مرحبا")
        assert seen[0]["sender"] == "c_42" and seen[0]["message"] == "مرحبا"
        assert turn.messages[0]["text"] == "أهلاً"
    finally:
        await client.close()
        await server.close()


async def test_unreachable_rasa_raises_a_clear_error() -> None:
    client = RasaClient("http://127.0.0.1:9", 1.0)
    with pytest.raises(RasaUnavailable) as err:
        await client.send("c_1", "hi")
    assert err.value.code == "bot_unavailable"
    await client.close()
