"""Answer feedback (👍/👎 on the bot's "was this answer helpful?"): once per prompt, only on a prompt, also when
sent as the prompt's button, counted in /metrics.

Real Redis and real gateways on real ports; Rasa is a stub webhook that answers a question with an answer and
the bot's own prompt (``utter_ask_helpful`` from chatbot/domain.yml), answers feedback with the bot's thanks or
apology, and records everything it is sent — so "forwarded to the bot once" is checked where it lands.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from handoff.settings import Settings
from tests.handoff.helpers import Client, Gw, bot_response, msg_id, start_gateway

QUESTION = "نسيت كلمة المرور فكيف أعيد تعيينها؟"
ANSWER = "يمكنك إعادة تعيين كلمة المرور من صفحة الدخول."
UP, DOWN = "/feedback_positive", "/feedback_negative"


class StubRasa:
    """Rasa's REST webhook as the gateway sees it; ``seen`` is every message the gateway sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def webhook(self, request: web.Request) -> web.Response:
        message = (await request.json())["message"]
        self.seen.append(message)
        if message in (UP, DOWN):
            reaction = "utter_feedback_thanks" if message == UP else "utter_feedback_sorry"
            return web.json_response([{"text": bot_response(reaction)["text"]}])
        return web.json_response([{"text": ANSWER}, bot_response("utter_ask_helpful")])

    def feedback_sent(self) -> list[str]:
        return [m for m in self.seen if m in (UP, DOWN)]


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[StubRasa, str]]:
    stub = StubRasa()
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", stub.webhook)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield stub, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
def bot_settings(rasa: tuple[StubRasa, str], make_settings: Any) -> Settings:
    return make_settings(rasa_url=rasa[1])


@pytest.fixture
async def bot(bot_settings: Settings) -> AsyncIterator[Gw]:
    async for gw in start_gateway(bot_settings):
        yield gw


@pytest.fixture
def stub(rasa: tuple[StubRasa, str]) -> StubRasa:
    return rasa[0]


async def ask(citizen: Client, text: str = QUESTION) -> dict[str, Any]:
    """Ask a question; returns the bot's feedback prompt that follows the answer."""
    await citizen.send(type="message", msg_id=msg_id(), text=text)
    await citizen.wait_for(type="bot_message", text=ANSWER)
    return await citizen.wait_for(type="bot_message", text=bot_response("utter_ask_helpful")["text"])


async def feedback_events(gw: Gw, cid: str) -> list[dict[str, Any]]:
    return [e for e in await gw.gateway.conversations.entries(cid) if e.get("event") == "feedback"]


async def settled(citizen: Client) -> None:
    """Every frame sent before is handled, and a bot turn it wrongly started would have reached the stub."""
    await citizen.send(type="ping")
    await citizen.wait_for(type="pong")
    await asyncio.sleep(0.3)


async def test_the_first_feedback_on_a_prompt_wins_later_ones_are_refused(bot: Gw, stub: StubRasa) -> None:
    citizen, cid, _ = await bot.citizen()
    prompt = await ask(citizen)
    await citizen.send(type="feedback", msg_id="f-1", seq=prompt["seq"], value="down")
    ack = await citizen.wait_for(type="ack", msg_id="f-1")
    await citizen.wait_for(type="bot_message", text=bot_response("utter_feedback_sorry")["text"])

    # A different answer, and the same answer under another msg_id (a second 👎 would hand off twice).
    for other, value in (("f-2", "up"), ("f-3", "down")):
        await citizen.send(type="feedback", msg_id=other, seq=prompt["seq"], value=value)
        refused = await citizen.wait_for(type="error", msg_id=other)
        assert refused["code"] == "already_rated" and "already rated" in refused["message"], refused
    await settled(citizen)

    events = await feedback_events(bot, cid)
    assert [(e["seq"], e["value"], e["target_seq"]) for e in events] == [(ack["seq"], "down", prompt["seq"])]
    assert stub.feedback_sent() == [DOWN]
    assert not [f for f in citizen.frames if f.get("type") == "ack" and f["msg_id"] in ("f-2", "f-3")]


async def test_a_resent_feedback_is_acked_again_and_stored_and_counted_once(bot: Gw, stub: StubRasa) -> None:
    citizen, cid, token = await bot.citizen()
    prompt = await ask(citizen)
    await citizen.send(type="feedback", msg_id="f-1", seq=prompt["seq"], value="up")
    first = await citizen.wait_for(type="ack", msg_id="f-1")
    await citizen.send(type="feedback", msg_id="f-1", seq=prompt["seq"], value="up")
    again = await citizen.wait_for(type="ack", msg_id="f-1")
    await citizen.close()
    # After a reconnect the outbox resends it once more: still the same seq, never already_rated.
    other = await bot.ws("/ws/chat")
    await other.send(type="resume", conversation_id=cid, token=token, last_seq=0)
    await other.send(type="feedback", msg_id="f-1", seq=prompt["seq"], value="up")
    resumed = await other.wait_for(type="ack", msg_id="f-1")
    await settled(other)

    assert first["seq"] == again["seq"] == resumed["seq"]
    assert len(await feedback_events(bot, cid)) == 1
    assert stub.feedback_sent() == [UP]
    assert not [f for f in other.frames if f.get("type") == "error"]
    async with bot.http.get(bot.url("/metrics")) as resp:
        text = await resp.text()
    assert 'handoff_feedback_total{value="up"} 1.0' in text and 'handoff_feedback_total{value="down"} 0.0' in text


async def test_feedback_on_anything_but_a_prompt_is_refused_as_invalid_target(bot: Gw, stub: StubRasa) -> None:
    citizen, cid, _ = await bot.citizen()
    prompt = await ask(citizen)
    question, answer = [e for e in await bot.gateway.conversations.entries(cid)][:2]
    assert (question["type"], answer["type"]) == ("user_message", "bot_message")  # the answer asks nothing
    last = prompt["seq"]
    for i, seq in enumerate((question["seq"], answer["seq"], 0, last + 1, 10**30)):
        await citizen.send(type="feedback", msg_id=f"bad-{i}", seq=seq, value="down")
        refused = await citizen.wait_for(type="error", msg_id=f"bad-{i}")
        assert refused["code"] == "invalid_target", (seq, refused)
        assert f"seq {seq} is not a bot message" in refused["message"]
    await settled(citizen)
    assert await feedback_events(bot, cid) == [] and stub.feedback_sent() == []

    # Nothing was spent by the refusals: the prompt still takes its feedback.
    await citizen.send(type="feedback", msg_id="good", seq=prompt["seq"], value="down")
    await citizen.wait_for(type="ack", msg_id="good")
    assert len(await feedback_events(bot, cid)) == 1


async def test_feedback_sent_as_the_prompts_button_is_a_feedback_event(bot: Gw, stub: StubRasa) -> None:
    """A REST client or an old widget answers the prompt with its button: recorded and counted as feedback,
    for the latest prompt, forwarded once, and spending that prompt like a feedback frame."""
    citizen, cid, _ = await bot.citizen()
    older = await ask(citizen)
    latest = await ask(citizen, "كيف أغير رقم الجوال؟")
    no = next(b for b in latest["buttons"] if b["payload"] == DOWN)
    await citizen.send(type="button", msg_id="b-1", payload=no["payload"], title=no["title"])
    ack = await citizen.wait_for(type="ack", msg_id="b-1")
    event = await citizen.wait_for(type="event", seq=ack["seq"])
    assert (event["event"], event["value"], event["target_seq"]) == ("feedback", "down", latest["seq"])
    await citizen.wait_for(type="bot_message", text=bot_response("utter_feedback_sorry")["text"])

    # The same prompt again, by frame or by button: refused. The older prompt is another answer: accepted.
    await citizen.send(type="feedback", msg_id="f-1", seq=latest["seq"], value="up")
    assert (await citizen.wait_for(type="error", msg_id="f-1"))["code"] == "already_rated"
    await citizen.send(type="button", msg_id="b-2", payload=UP, title="نعم")
    assert (await citizen.wait_for(type="error", msg_id="b-2"))["code"] == "already_rated"
    await citizen.send(type="feedback", msg_id="f-2", seq=older["seq"], value="up")
    await citizen.wait_for(type="ack", msg_id="f-2")
    await settled(citizen)

    events = await feedback_events(bot, cid)
    assert [(e["value"], e["target_seq"]) for e in events] == [("down", latest["seq"]), ("up", older["seq"])]
    entries = await bot.gateway.conversations.entries(cid)
    assert not [e for e in entries if e["type"] == "user_message" and e.get("payload") in (UP, DOWN)]
    assert stub.feedback_sent() == [DOWN, UP]
    async with bot.http.get(bot.url("/metrics")) as resp:
        text = await resp.text()
    assert 'handoff_feedback_total{value="down"} 1.0' in text and 'handoff_feedback_total{value="up"} 1.0' in text


async def test_a_feedback_button_before_any_prompt_is_refused(bot: Gw, stub: StubRasa) -> None:
    citizen, cid, _ = await bot.citizen()
    # Offered long ago by the bot (the offered set only grows), but no prompt is in the transcript: a state
    # the stores cannot reach (they record offers with their message), so it is written directly.
    await bot.gateway.redis.sadd(bot.gateway.keys.offered(cid), UP)
    await citizen.send(type="button", msg_id="b-1", payload=UP, title="نعم")
    refused = await citizen.wait_for(type="error", msg_id="b-1")
    assert refused["code"] == "invalid_target" and "asked for feedback" in refused["message"]
    await citizen.send(type="button", msg_id="b-2", payload=DOWN, title="لا")  # never offered here
    assert (await citizen.wait_for(type="error", msg_id="b-2"))["code"] == "invalid_payload"
    await settled(citizen)
    assert await bot.gateway.conversations.entries(cid) == [] and stub.seen == []


async def test_two_sockets_on_two_gateways_racing_on_one_prompt_store_exactly_one(
    bot: Gw, bot_settings: Settings, stub: StubRasa
) -> None:
    async for second in start_gateway(bot_settings):
        first, cid, token = await bot.citizen()
        other = await second.ws("/ws/chat")
        await other.send(type="resume", conversation_id=cid, token=token, last_seq=0)
        await other.wait_for(type="resumed")
        for round_ in range(5):
            prompt = await ask(first)
            await other.wait_for(type="bot_message", seq=prompt["seq"])
            a, b = f"a-{round_}", f"b-{round_}"
            await asyncio.gather(
                first.send(type="feedback", msg_id=a, seq=prompt["seq"], value="up"),
                other.send(type="feedback", msg_id=b, seq=prompt["seq"], value="down"),
            )
            outcomes = [await first.wait_for(msg_id=a), await other.wait_for(msg_id=b)]
            assert sorted(f["type"] if f["type"] == "ack" else f["code"] for f in outcomes) == [
                "ack", "already_rated"], outcomes
            # Let the winner's bot turn finish before the next question, as a citizen would.
            reaction = bot_response("utter_feedback_thanks" if outcomes[0]["type"] == "ack" else "utter_feedback_sorry")
            await first.wait_for(type="bot_message", text=reaction["text"])
        await settled(first)

        events = await feedback_events(bot, cid)
        assert len(events) == 5 and len({e["target_seq"] for e in events}) == 5
        assert len(stub.feedback_sent()) == 5
        counted = sum(gw.gateway.metrics.registry.get_sample_value("handoff_feedback_total", {"value": value}) or 0
                      for gw in (bot, second) for value in ("up", "down"))
        assert counted == 5
