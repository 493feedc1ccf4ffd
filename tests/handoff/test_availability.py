"""No agent online or outside business hours: the citizen is told so and can leave a message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.callbacks import normalise_mobile
from handoff.errors import HandoffError
from tests.handoff.helpers import Gw, start_gateway


async def test_no_agents_online_offers_leave_a_message_which_agents_then_see(gw: Gw) -> None:
    citizen, cid, _ = await gw.citizen()
    async with gw.http.get(gw.url("/api/availability")) as resp:
        assert (await resp.json())["agents_online"] == 0
    await citizen.send(type="request_human", msg_id="h1")
    unavailable = await citizen.wait_for(type="handoff_unavailable")
    assert unavailable["reason"] == "no_agents"
    assert (await gw.gateway.conversations.get(cid))["state"] == "bot"

    await citizen.send(type="leave_message", msg_id="lm1", name="سارة", mobile="٠٥٥١٢٣٤٥٦٧",
                       message="أحتاج موعداً لتجديد الجواز", callback=True)
    first = await citizen.wait_for(type="ack", msg_id="lm1")
    await citizen.send(type="leave_message", msg_id="lm1", name="سارة", mobile="0551234567",
                       message="أحتاج موعداً لتجديد الجواز", callback=True)  # resent after a reconnect
    assert (await citizen.wait_for(type="ack", msg_id="lm1"))["seq"] == first["seq"]

    token = await gw.account("cb-agent")
    headers = {"Authorization": f"Bearer {token}"}
    async with gw.http.get(gw.url("/api/callbacks"), headers=headers) as resp:
        items = (await resp.json())["items"]
    assert len(items) == 1
    assert items[0]["mobile"] == "+966551234567" and items[0]["conversation_id"] == cid
    agent = await gw.ws("/ws/agent")
    await agent.send(type="auth", token=token)
    await agent.wait_for(type="auth_ok")
    await agent.send(type="callback_done", callback_id=items[0]["callback_id"], ref="d")
    await agent.wait_for(type="ok", ref="d")
    await agent.send(type="list_callbacks", ref="l")
    assert (await agent.wait_for(type="callbacks", ref="l"))["items"] == []


async def test_new_callback_reaches_online_agents_live(gw: Gw) -> None:
    agent = await gw.agent("live-cb", "وليد")
    citizen, _, _ = await gw.citizen()
    await citizen.send(type="leave_message", msg_id="lm2", name="علي", mobile="+966 55 123 4567",
                       message="اتصلوا بي", callback=True)
    added = await agent.wait_for(type="callback_added")
    assert added["item"]["name"] == "علي" and added["item"]["mobile"] == "+966551234567"


async def test_invalid_mobile_is_refused(gw: Gw) -> None:
    citizen, _, _ = await gw.citizen()
    await citizen.send(type="leave_message", msg_id="lm3", name="x", mobile="12345", message="hi")
    assert (await citizen.wait_for(type="error", msg_id="lm3"))["code"] == "invalid_frame"
    with pytest.raises(HandoffError):
        normalise_mobile("0412345678")


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _other_day() -> int:
    """A weekday that is neither today nor tomorrow in Riyadh, so the centre is surely closed now."""
    return (datetime.now(ZoneInfo("Asia/Riyadh")).weekday() + 3) % 7


@pytest.fixture
async def closed_gw(make_settings) -> AsyncIterator[Gw]:
    async for g in start_gateway(make_settings(business_hours=f"{DAYS[_other_day()]} 08:00-16:00")):
        yield g


async def test_outside_business_hours_says_when_it_opens(closed_gw: Gw) -> None:
    await closed_gw.agent("night", "ليلى")  # an agent online does not matter when closed
    citizen, _, _ = await closed_gw.citizen()
    await citizen.send(type="request_human", msg_id="h1")
    frame = await citizen.wait_for(type="handoff_unavailable")
    assert frame["reason"] == "outside_hours"
    opens = datetime.fromisoformat(frame["next_open"].replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Riyadh"))
    assert opens > datetime.now(UTC)
    assert (opens.weekday(), opens.hour, opens.minute) == (_other_day(), 8, 0)


async def test_leave_message_on_a_closed_conversation_stores_no_callback(gw: Gw) -> None:
    """The citizen is told "closed": agents must not get a callback request the citizen was told failed."""
    citizen, cid, _ = await gw.citizen()
    queue = gw.gateway.queue
    await queue.enqueue(cid, {"reason": "user_request", "topic": None, "candidates": [], "summary": [],
                              "requested_at": "2026-11-25T10:00:00Z"})
    await queue.claim(cid, "closer", "نورة")
    await queue.resolve(cid, "closer", "resolved")
    await citizen.wait_for(type="status", state="closed")
    await citizen.send(type="leave_message", msg_id="late", name="سارة", mobile="0551234567",
                       message="اتصلوا بي", callback=True)
    assert (await citizen.wait_for(type="error", msg_id="late"))["code"] == "closed"
    assert await gw.gateway.callbacks.list("all") == []
