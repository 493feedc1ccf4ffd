"""Citizen websocket: acks after durable writes, resume without gaps or duplicates, refusals without crashes."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.handoff.helpers import Gw, crashed_mid_turn, msg_id, start_gateway


async def test_message_is_acked_with_its_seq_and_stored(gw: Gw) -> None:
    citizen, cid, _ = await gw.citizen()
    mid = msg_id()
    await citizen.send(type="message", msg_id=mid, text="كيف أجدد الهوية الوطنية؟")
    ack = await citizen.wait_for(type="ack", msg_id=mid)
    stored = await gw.gateway.conversations.entries(cid)
    assert [e["seq"] for e in stored] == [ack["seq"]]
    assert stored[0]["text"] == "كيف أجدد الهوية الوطنية؟"


async def test_resume_replays_exactly_what_was_missed(gw: Gw) -> None:
    citizen, cid, token = await gw.citizen()
    sent = [msg_id() for _ in range(5)]
    for mid in sent:
        await citizen.send(type="message", msg_id=mid, text=f"رسالة {mid}")
        await citizen.wait_for(type="ack", msg_id=mid)
    await citizen.close()
    # While the citizen is away, an entry lands (e.g. from another process).
    await gw.gateway.conversations.append(cid, {"type": "bot_message", "text": "رد", "buttons": [], "links": []})

    again = await gw.ws("/ws/chat")
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=2)
    resumed = await again.wait_for(type="resumed")
    assert resumed["last_seq"] == 6
    replay = [await again.wait_for(seq=s) for s in range(3, 7)]
    assert [e["type"] for e in replay] == ["user_message"] * 3 + ["bot_message"]
    # Nothing else (no duplicate of seq <= 2, no repeat) arrives.
    await again.send(type="ping")
    await again.wait_for(type="pong")
    seqs = [f["seq"] for f in again.frames if "seq" in f and f.get("type") != "ack"]
    assert seqs == [3, 4, 5, 6]


async def test_resent_msg_id_is_acked_again_not_stored_twice(gw: Gw) -> None:
    citizen, cid, token = await gw.citizen()
    mid = msg_id()
    await citizen.send(type="message", msg_id=mid, text="أول")
    first = await citizen.wait_for(type="ack", msg_id=mid)
    await citizen.close()
    again = await gw.ws("/ws/chat")
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=1)
    await again.send(type="message", msg_id=mid, text="أول")
    second = await again.wait_for(type="ack", msg_id=mid)
    assert second["seq"] == first["seq"]
    assert len(await gw.gateway.conversations.entries(cid)) == 1


async def test_bad_frames_get_error_frames_and_the_socket_survives(gw: Gw) -> None:
    citizen, _, _ = await gw.citizen()
    await citizen.ws.send_str("{not json")
    assert (await citizen.wait_for(type="error"))["code"] == "bad_json"
    await citizen.send(type="launch_missiles")
    assert (await citizen.wait_for(type="error"))["code"] == "unknown_type"
    await citizen.send(type="message", msg_id="ok-1")
    assert (await citizen.wait_for(type="error"))["code"] == "invalid_frame"
    await citizen.send(type="message", msg_id="ok-2", text="x" * 5000)
    assert (await citizen.wait_for(type="error"))["code"] == "too_large"
    await citizen.send(type="message", msg_id="bad id with spaces", text="hi")
    assert (await citizen.wait_for(type="error"))["code"] == "invalid_frame"
    await citizen.ws.send_bytes(b"\x00\x01")
    assert (await citizen.wait_for(type="error"))["code"] == "bad_json"
    await citizen.send(type="ping")
    await citizen.wait_for(type="pong")


async def test_frames_before_start_and_bad_resume_tokens_are_refused(gw: Gw) -> None:
    citizen = await gw.ws("/ws/chat")
    await citizen.send(type="message", msg_id=msg_id(), text="hi")
    assert (await citizen.wait_for(type="error"))["code"] == "not_started"
    _, cid, token = await gw.citizen()
    await citizen.send(type="resume", conversation_id=cid, token=token[:-2] + "xx", last_seq=0)
    assert (await citizen.wait_for(type="error"))["code"] == "bad_token"
    await citizen.send(type="resume", conversation_id="c_doesnotexist", token=token, last_seq=0)
    assert (await citizen.wait_for(type="error"))["code"] == "bad_token"


async def test_foreign_origin_is_refused_before_upgrade(gw: Gw) -> None:
    for path in ("/ws/chat", "/ws/agent"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await gw.ws(path, origin="https://evil.example")
        assert err.value.status == 403
        async with gw.http.get(gw.url(path)) as resp:  # no Origin at all
            assert resp.status == 403


async def test_rate_limit_drops_excess_frames_with_an_error_naming_them(gw: Gw) -> None:
    citizen, cid, _ = await gw.citizen()
    for i in range(80):
        await citizen.send(type="message", msg_id=f"flood-{i}", text="سبام")
    refused: set[str] = set()
    acked: set[str] = set()
    while len(refused) + len(acked) < 80:
        frame = await citizen.next()
        if frame["type"] == "ack":
            acked.add(frame["msg_id"])
        elif frame.get("code") == "rate_limited":
            refused.add(frame["msg_id"])
    assert refused and acked and not refused & acked
    stored = {e["msg_id"] for e in await gw.gateway.conversations.entries(cid) if e["type"] == "user_message"}
    assert stored == acked  # refused frames were not stored: the client resends them later


async def test_malformed_frames_count_toward_the_rate_limit(make_settings: Any) -> None:
    async for gw in start_gateway(make_settings(citizen_rate_burst=5, citizen_rate_per_s=0.01)):
        citizen, cid, _ = await gw.citizen()  # start: 1 of the 5 tokens
        await citizen.ws.send_str("{not json")
        await citizen.send(type="launch_missiles")
        await citizen.send(type="message", msg_id="big", text="x" * 5000)
        await citizen.ws.send_bytes(b"\x00\x01")
        codes = [(await citizen.wait_for(type="error"))["code"] for _ in range(4)]
        assert codes == ["bad_json", "unknown_type", "too_large", "bad_json"]
        # Garbage spent the bucket: the next real message is refused (and not stored) until it refills.
        await citizen.send(type="message", msg_id="m-after", text="سؤال")
        refused = await citizen.wait_for(type="error")
        assert (refused["code"], refused.get("msg_id")) == ("rate_limited", "m-after")
        await citizen.send(type="launch_missiles", msg_id="m-junk")
        assert (await citizen.wait_for(type="error"))["code"] == "rate_limited"
        assert await gw.gateway.conversations.entries(cid) == []


async def test_text_is_stored_verbatim_as_plain_text(gw: Gw) -> None:
    citizen, _, _ = await gw.citizen()
    text = "<script>alert(1)</script> مرحبا\u0000"
    await citizen.send(type="message", msg_id="m-html", text=text)
    await citizen.wait_for(type="ack", msg_id="m-html")
    echo = await citizen.wait_for(type="user_message")
    assert echo["text"] == "<script>alert(1)</script> مرحبا"  # not escaped, control char removed


async def test_resume_retries_a_bot_turn_that_a_crash_interrupted(gw: Gw) -> None:
    cid, token = await crashed_mid_turn(gw, "كيف أجدد الهوية؟")
    again = await gw.ws("/ws/chat")
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=0)
    await again.wait_for(type="resumed")
    # Rasa is unreachable in this test: the retry shows as the bot typing, then bot_unavailable.
    await again.wait_for(type="typing", active=True, **{"from": "bot"})
    await again.wait_for(type="error", code="bot_unavailable")
    assert await gw.gateway.conversations.pending_inputs(cid) == []


async def test_a_client_claiming_to_be_ahead_still_gets_new_entries(gw: Gw) -> None:
    citizen, cid, token = await gw.citizen()
    await citizen.close()
    again = await gw.ws("/ws/chat")
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=999)
    assert (await again.wait_for(type="resumed"))["last_seq"] == 0
    await gw.gateway.conversations.append(cid, {"type": "bot_message", "text": "جديد", "buttons": [], "links": []})
    assert (await again.wait_for(type="bot_message"))["seq"] == 1


async def test_typed_text_cannot_inject_intents_and_slots_into_rasa(make_settings: Any) -> None:
    """Only buttons the bot offered may send "/intent{...}"; typed text reaches Rasa as text."""
    seen: list[str] = []
    offered = '/choose_faq{"faq_id":"id-renew"}'

    async def webhook(request: web.Request) -> web.Response:
        seen.append((await request.json())["message"])
        return web.json_response([{"text": "اختر", "buttons": [{"title": "تجديد", "payload": offered}]}])

    rasa_app = web.Application()
    rasa_app.router.add_post("/webhooks/rest/webhook", webhook)
    rasa = TestServer(rasa_app, host="127.0.0.1")
    await rasa.start_server()
    try:
        async for gw in start_gateway(make_settings(rasa_url=str(rasa.make_url("")).rstrip("/"))):
            citizen, _, _ = await gw.citizen()
            injected = '/choose_faq{"faq_id":"internal-draft"}'
            await citizen.send(type="message", msg_id="inj", text=injected)
            assert (await citizen.wait_for(type="user_message", msg_id="inj"))["text"] == injected  # stored verbatim
            await citizen.wait_for(type="bot_message")
            await citizen.send(type="button", msg_id="btn", payload=offered, title="تجديد")
            await citizen.wait_for(type="ack", msg_id="btn")
            await citizen.wait_for(type="bot_message")
    finally:
        await rasa.close()
    assert not seen[0].startswith("/") and "internal-draft" in seen[0]
    assert seen[1] == offered, json.dumps(seen, ensure_ascii=False)


async def test_bot_unavailable_error_does_not_reveal_rasas_private_address(gw: Gw) -> None:
    citizen, _, _ = await gw.citizen()
    await citizen.send(type="message", msg_id="down", text="مرحبا")
    error = await citizen.wait_for(type="error", msg_id="down")
    assert error["code"] == "bot_unavailable"
    assert "127.0.0.1" not in error["message"] and ":9" not in error["message"], error["message"]


async def test_started_and_resumed_tell_the_client_the_text_limit(gw: Gw) -> None:
    """The widget checks its text against these before sending: one limit, the gateway's (probe item 5)."""
    citizen = await gw.ws("/ws/chat")
    await citizen.send(type="start")
    started = await citizen.wait_for(type="started")
    limit = started["max_text_chars"]
    assert started["max_frame_bytes"] == gw.gateway.settings.max_frame_bytes
    await citizen.send(type="message", msg_id=msg_id(), text="ب" * limit)
    await citizen.wait_for(type="ack")
    too_long = msg_id()
    await citizen.send(type="message", msg_id=too_long, text="ب" * (limit + 1))
    assert (await citizen.wait_for(type="error", msg_id=too_long))["code"] == "invalid_frame"

    again = await gw.ws("/ws/chat")
    await again.send(type="resume", conversation_id=started["conversation_id"], token=started["token"], last_seq=0)
    resumed = await again.wait_for(type="resumed")
    assert (resumed["max_text_chars"], resumed["max_frame_bytes"]) == (limit, started["max_frame_bytes"])


DEEP_JSON = "[" * 1100 + "]" * 1100  # 2.2 KB, under the frame limit; json.loads raises RecursionError


@pytest.mark.parametrize("raw", [DEEP_JSON, '{"type": "message", "x": ' + DEEP_JSON + "}", '"\\ud800"'])
async def test_deeply_nested_or_undecodable_json_is_a_bad_frame_not_a_crash(gw: Gw, raw: str) -> None:
    """Probe item 13: nesting used to close the socket with 1006 (a RecursionError in the handler)."""
    citizen, _, _ = await gw.citizen()
    await citizen.ws.send_str(raw)
    assert (await citizen.wait_for(type="error"))["code"] == "bad_json"
    await citizen.send(type="ping")
    await citizen.wait_for(type="pong")
    mid = msg_id()
    await citizen.send(type="message", msg_id=mid, text="ما زلت هنا")
    await citizen.wait_for(type="ack", msg_id=mid)


async def test_lone_surrogates_are_bad_json_not_a_storage_crash(gw: Gw) -> None:
    citizen, _, _ = await gw.citizen()
    mid = msg_id()
    await citizen.ws.send_str('{"type": "message", "msg_id": "' + mid + '", "text": "a\\ud800b"}')
    err = await citizen.wait_for(type="error")
    assert err["code"] == "bad_json"
    await citizen.send(type="ping")
    await citizen.wait_for(type="pong")


async def test_the_gateways_own_origin_is_always_allowed(make_settings: Any) -> None:
    """Probe item 9: the console (served by the gateway) could not connect unless ALLOWED_ORIGINS listed
    the gateway itself. PUBLIC_ORIGIN is always allowed; behind a trusted proxy, so is the origin it forwards."""
    async for gw in start_gateway(make_settings(public_origin="https://chat.gov.sa")):
        for path in ("/ws/chat", "/ws/agent"):
            await gw.ws(path, origin="https://chat.gov.sa")
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await gw.ws(path, origin="https://chat.gov.sa.evil.example")
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.gov.sa"}
    async for gw in start_gateway(make_settings(trust_proxy=True)):
        await gw.ws("/ws/agent", origin="https://chat.gov.sa", headers=proxied)
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await gw.ws("/ws/agent", origin="https://evil.example", headers=proxied)
    async for gw in start_gateway(make_settings()):  # no proxy trusted: forwarded headers mean nothing
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await gw.ws("/ws/agent", origin="https://chat.gov.sa", headers=proxied)
