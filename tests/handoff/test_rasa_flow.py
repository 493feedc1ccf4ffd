"""The whole path with the real Rasa server and action server: citizen → bot → handoff → agent → CSAT."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.handoff.helpers import Gw, bot_response, crashed_mid_turn, start_gateway

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


@pytest.fixture
async def rasa_gw(rasa_stack: Any, make_settings: Any) -> AsyncIterator[Gw]:
    settings = make_settings(rasa_url=rasa_stack.rasa_url, rasa_timeout_s=30.0, greeting_payload="/greet")
    async for gw in start_gateway(settings):
        yield gw


async def test_citizen_bot_handoff_agent_resolve_csat(rasa_gw: Gw) -> None:
    gw = rasa_gw
    agent = await gw.agent("rasa-agent", "نورة")
    citizen = await gw.ws("/ws/chat")
    await citizen.send(type="start")
    cid = (await citizen.wait_for(type="started"))["conversation_id"]
    greeting = await citizen.wait_for(type="bot_message", within=30)
    assert greeting["text"]

    await citizen.send(type="message", msg_id="q1", text="عندي سؤال عن رخصة العمل")
    await citizen.wait_for(type="ack", msg_id="q1")
    answer = await citizen.wait_for(type="bot_message", within=30)
    assert answer["seq"] > greeting["seq"] and (answer["text"] or answer["buttons"])
    if answer["buttons"]:  # buttons the bot offered are accepted as clicks
        button = answer["buttons"][0]
        await citizen.send(type="button", msg_id="b1", payload=button["payload"], title=button["title"])
        await citizen.wait_for(type="ack", msg_id="b1")

    # The citizen asks for a person; Rasa's action_handoff answers with the handoff payload.
    # Typed, not "/request_human": typed text never reaches Rasa as an intent (flow.typed_text).
    await citizen.send(type="message", msg_id="q2", text="أريد التحدث مع موظف")
    queued = await citizen.wait_for(type="status", state="queued", within=30)
    assert queued["reason"] == "user_request" and queued["position"] == 1
    item = (await agent.wait_for(type="queue_added", within=10))["item"]
    assert item["conversation_id"] == cid and item["reason"] == "user_request"

    await agent.send(type="claim", conversation_id=cid, ref="c")
    conv = await agent.wait_for(type="conversation", ref="c")
    kinds = [e["type"] for e in conv["entries"]]
    assert "bot_message" in kinds and "user_message" in kinds  # full bot transcript for the agent
    assert conv["handoff"]["reason"] == "user_request"
    await citizen.wait_for(type="status", state="with_agent")

    # With an agent in charge, the citizen's words go to the agent, never to the bot.
    bot_before = len([f for f in citizen.frames if f.get("type") == "bot_message"])
    await citizen.send(type="message", msg_id="q3", text="مرحبا، أحتاج مساعدة في الجواز")
    while (await agent.wait_for(type="entry"))["entry"].get("msg_id") != "q3":
        pass
    await agent.send(type="message", conversation_id=cid, msg_id="a1", text="أهلاً، سأساعدك الآن")
    assert (await citizen.wait_for(type="agent_message"))["text"] == "أهلاً، سأساعدك الآن"
    await agent.send(type="resolve", conversation_id=cid, outcome="resolved", ref="r")
    await agent.wait_for(type="ok", ref="r")
    await citizen.wait_for(type="csat_request")
    await citizen.send(type="csat", msg_id="s1", score=4)
    await citizen.wait_for(type="ack", msg_id="s1")
    assert len([f for f in citizen.frames if f.get("type") == "bot_message"]) == bot_before
    assert (await gw.gateway.csat.summary())["count"] == 1


async def test_feedback_on_the_bots_prompt_reaches_the_bot_once(rasa_gw: Gw) -> None:
    citizen = await rasa_gw.ws("/ws/chat")
    await citizen.send(type="start")
    await citizen.wait_for(type="started")
    await citizen.wait_for(type="bot_message", within=30)  # greeting
    # Answered directly (as in tests/web/test_web_feedback.py), so the bot asks whether it helped.
    await citizen.send(type="message", msg_id="q1", text="نسيت كلمة المرور فكيف أعيد تعيينها؟")
    prompt = await citizen.wait_for(type="bot_message", within=30,
                                    buttons=bot_response("utter_ask_helpful")["buttons"])
    await citizen.send(type="feedback", msg_id="f1", seq=prompt["seq"], value="down")
    ack = await citizen.wait_for(type="ack", msg_id="f1")
    event = await citizen.wait_for(type="event", seq=ack["seq"])
    assert event["event"] == "feedback" and event["target_seq"] == prompt["seq"]
    # The bot reacts to "/feedback_negative" (apology, alternatives or a handoff offer): a new turn.
    await citizen.wait_for(within=30, type="bot_message", seq=ack["seq"] + 1)
    # A second 👎 for the same prompt is refused: the bot hears one.
    await citizen.send(type="feedback", msg_id="f2", seq=prompt["seq"], value="down")
    assert (await citizen.wait_for(type="error", msg_id="f2"))["code"] == "already_rated"


async def test_an_input_acked_before_a_crash_is_answered_after_resume(rasa_gw: Gw) -> None:
    cid, token = await crashed_mid_turn(rasa_gw, "كيف أجدد جواز السفر؟")
    again = await rasa_gw.ws("/ws/chat")
    await again.send(type="resume", conversation_id=cid, token=token, last_seq=0)
    answer = await again.wait_for(type="bot_message", within=30)
    assert answer["seq"] > 1


async def test_link_handoff_after_a_question_carries_its_topic_and_candidates(rasa_gw: Gw) -> None:
    """#15 item 10 end to end: the real action server's context reaches the packet of a link handoff."""
    gw = rasa_gw
    agent = await gw.agent("rasa-link", "نورة")
    citizen = await gw.ws("/ws/chat")
    await citizen.send(type="start")
    cid = (await citizen.wait_for(type="started"))["conversation_id"]
    await citizen.wait_for(type="bot_message", within=30)
    await citizen.send(type="message", msg_id="q1", text="كيف أجدد رخصة العمل؟")
    await citizen.wait_for(type="bot_message", within=30)
    await citizen.send(type="request_human", msg_id="h1")  # the widget's "تحدث مع موظف" link
    await citizen.wait_for(type="status", state="queued", within=10)
    item = (await agent.wait_for(type="queue_added", within=10))["item"]
    assert item["conversation_id"] == cid and item["reason"] == "user_request"
    assert item["topic"] and item["candidates"], item
    assert all(c["id"] and c["question"] for c in item["candidates"])
    assert item["summary"] == ["كيف أجدد رخصة العمل؟"]
