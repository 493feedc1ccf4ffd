"""Dissatisfied-citizen follow-up (#14 item 4) through real gateways, real Redis and real websockets:
a CSAT of 1–2 opens a task, the citizen may give a number (validated, kept only in the task), agents list,
take and record calls, and two agents recording the same task cannot both win."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from handoff.followups import FollowupError, mask_mobile, normalise_gulf_mobile, task_id_for
from tests.handoff.helpers import Client, Gw, start_gateway
from tests.handoff.test_agent_flow import queued_citizen


async def rated(gw: Gw, score: int, agent_name: str) -> tuple[Client, str]:
    """A citizen handed to an agent, resolved, who answers the CSAT card with ``score``."""
    agent = await gw.agent(agent_name, "نورة")
    citizen, cid = await queued_citizen(gw)
    await agent.send(type="claim", conversation_id=cid, ref="c")
    await agent.wait_for(type="conversation", ref="c")
    await agent.send(type="resolve", conversation_id=cid, outcome="resolved", ref="r")
    await agent.wait_for(type="ok", ref="r")
    await citizen.wait_for(type="csat_request")
    await citizen.send(type="csat", msg_id="csat-1", score=score)
    await citizen.wait_for(type="ack", msg_id="csat-1")
    return citizen, cid


async def call(gw: Gw, method: str, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    async with gw.http.request(method, gw.url(path), json=body, headers={"Authorization": f"Bearer {token}"}) as r:
        return r.status, await r.json()


async def analytics_events(gw: Gw) -> list[dict[str, Any]]:
    rows = await gw.gateway.redis.xrange(f"{gw.gateway.settings.redis_prefix}analytics:events")
    return [json.loads(fields[b"e"]) for _, fields in rows]


@pytest.mark.parametrize(("raw", "e164"), [
    ("0551234567", "+966551234567"), ("٠٥٥١٢٣٤٥٦٧", "+966551234567"), ("+966 55 123 4567", "+966551234567"),
    ("00966551234567", "+966551234567"), ("+971 50 123 4567", "+971501234567"), ("+971 050 123 4567", "+971501234567"),
    ("+965 6123 4567", "+96561234567"), ("+974 3312 3456", "+97433123456"), ("+973 3612 3456", "+97336123456"),
    ("+968 9123 4567", "+96891234567"),
])
def test_saudi_and_gulf_mobiles_are_normalised(raw: str, e164: str) -> None:
    assert normalise_gulf_mobile(raw) == e164


@pytest.mark.parametrize("raw", ["0112345678", "05512345", "+1 202 555 0100", "+971 40 123 4567", "+965 2123 4567",
                                 "abc", ""])
def test_other_numbers_are_refused_with_a_clear_error(raw: str) -> None:
    with pytest.raises(FollowupError) as err:
        normalise_gulf_mobile(raw)
    assert err.value.code == "invalid_mobile" and "05XXXXXXXX" in err.value.message


def test_a_masked_number_cannot_be_called() -> None:
    assert mask_mobile("+966551234567") == "+966•••••••67"
    assert mask_mobile("+97433123456") == "+974••••••56"


async def test_low_csat_opens_a_task_and_the_number_reaches_only_its_handler(gw: Gw) -> None:
    citizen, cid = await rated(gw, 1, "fu-a")
    csat = [e for e in await gw.gateway.conversations.entries(cid) if e.get("event") == "csat"]
    assert csat[0]["followup"] is True
    agent_a, agent_b = await gw.account("fu-a2", "agent"), await gw.account("fu-b", "agent")
    supervisor = await gw.account("fu-sup", "supervisor", "المشرف")
    status, listed = await call(gw, "GET", "/api/followups", agent_a)
    assert status == 200 and [t["conversation_id"] for t in listed["items"]] == [cid]
    task = listed["items"][0]
    assert task["trigger"] == "csat_low" and task["has_number"] is False and not task["overdue"]
    assert abs(task["due_at"] - (task["created_at"] + 86400)) < 1 and 86000 < task["seconds_left"] <= 86400

    # The number step: a bad number and a number without consent are refused, nothing stored.
    await citizen.send(type="followup_contact", msg_id="fc-1", mobile="0112345678", consent=True)
    err = await citizen.wait_for(type="error", msg_id="fc-1")
    assert err["code"] == "invalid_mobile" and "05XXXXXXXX" in err["message"]
    await citizen.send(type="followup_contact", msg_id="fc-2", mobile="0551234567")
    assert (await citizen.wait_for(type="error", msg_id="fc-2"))["code"] == "invalid_frame"
    await citizen.send(type="followup_contact", msg_id="fc-3", mobile="٠٥٥ ١٢٣ ٤٥٦٧", consent=True)
    await citizen.wait_for(type="ack", msg_id="fc-3")
    await citizen.send(type="followup_contact", msg_id="fc-4", mobile="0559999999", consent=True)
    assert (await citizen.wait_for(type="error", msg_id="fc-4"))["code"] == "wrong_state"  # answered once

    entries = await gw.gateway.conversations.entries(cid)
    assert [e["given"] for e in entries if e.get("event") == "followup_contact"] == [True]
    assert "551234567" not in json.dumps(entries, ensure_ascii=False)  # the transcript never holds it

    for token in (agent_a, agent_b, supervisor):
        item = (await call(gw, "GET", "/api/followups", token))[1]["items"][0]
        assert "mobile" not in item and item["mobile_masked"] == "+966•••••••67" and item["has_number"]
    status, taken = await call(gw, "POST", f"/api/followups/{task['task_id']}/take", agent_a)
    assert status == 200 and taken["mobile"] == "+966551234567" and taken["handler"] == "fu-a2"
    assert (await call(gw, "GET", "/api/followups", agent_a))[1]["items"][0]["mobile"] == "+966551234567"
    assert "mobile" not in (await call(gw, "GET", "/api/followups", agent_b))[1]["items"][0]
    status, refused = await call(gw, "POST", f"/api/followups/{task['task_id']}/take", agent_b)
    assert status == 409 and refused["error"] == "taken"

    ttl = await gw.gateway.redis.ttl(gw.gateway.keys.followup(task["task_id"]))
    assert 0 < ttl <= gw.gateway.settings.callback_number_retention_s
    created = [e for e in await analytics_events(gw) if e["type"] == "followup.created"]
    assert [(e["task_id"], e["trigger"], e["has_number"]) for e in created] == [(task["task_id"], "csat_low", False)]
    assert all("551234567" not in json.dumps(e) for e in await analytics_events(gw))


async def test_calls_retry_until_closed_and_closing_deletes_the_number(gw: Gw) -> None:
    citizen, cid = await rated(gw, 2, "fu-c")
    await citizen.send(type="followup_contact", msg_id="fc", mobile="+971501234567", consent=True)
    await citizen.wait_for(type="ack", msg_id="fc")
    token = await gw.account("fu-c2")
    task_id = task_id_for(cid)
    version = (await call(gw, "GET", "/api/followups", token))[1]["items"][0]["version"]
    status, bad = await call(gw, "POST", f"/api/followups/{task_id}/calls", token,
                             {"result": "reached", "reason": "not-a-reason", "version": version})
    assert status == 400 and bad["error"] == "invalid_reason"
    status, after = await call(gw, "POST", f"/api/followups/{task_id}/calls", token,
                               {"result": "not_reached", "reason": "long_wait", "version": version})
    assert status == 200 and after["status"] == "open" and after["attempts"] == 1
    assert after["mobile"] == "+971501234567"  # recording made fu-c2 the handler
    status, after = await call(gw, "POST", f"/api/followups/{task_id}/calls", token,
                               {"result": "resolved", "reason": "long_wait", "version": after["version"]})
    assert status == 200 and after["status"] == "closed" and after["attempts"] == 2 and not after["has_number"]
    raw = await gw.gateway.redis.hgetall(gw.gateway.keys.followup(task_id))
    assert b"mobile" not in raw
    assert [c["result"] for c in after["calls"]] == ["not_reached", "resolved"]
    status, late = await call(gw, "POST", f"/api/followups/{task_id}/calls", token,
                              {"result": "reached", "reason": "other", "version": after["version"]})
    assert status == 409 and late["error"] == "task_closed"
    assert (await call(gw, "GET", "/api/followups", token))[1]["items"] == []
    assert len((await call(gw, "GET", "/api/followups?status=closed", token))[1]["items"]) == 1
    recorded = [e for e in await analytics_events(gw) if e["type"] == "followup.call_recorded"]
    assert [(e["result"], e["reason"], e["agent"]) for e in recorded] == [
        ("not_reached", "long_wait", "fu-c2"), ("resolved", "long_wait", "fu-c2")]


async def test_satisfied_citizens_get_no_task(gw: Gw) -> None:
    _, cid = await rated(gw, 4, "fu-d")
    assert await gw.gateway.followups.get(task_id_for(cid)) is None
    csat = [e for e in await gw.gateway.conversations.entries(cid) if e.get("event") == "csat"]
    assert "followup" not in csat[0]


async def test_two_agents_recording_the_same_task_at_once_one_wins(gw: Gw, settings) -> None:
    """Two agents on two gateway processes record the same task from the same version, many times."""
    async for second in start_gateway(settings):
        tokens = [await gw.account("fu-race-1"), await gw.account("fu-race-2")]
        for round_ in range(6):
            cid = f"c_race{round_}{int(time.time() * 1000)}"
            await gw.gateway.followups.create(cid, "thumb_down_left")
            task_id = task_id_for(cid)
            results = await asyncio.gather(*[
                call(g, "POST", f"/api/followups/{task_id}/calls", t,
                     {"result": "resolved", "reason": "fees", "version": 1})
                for g, t in ((gw, tokens[0]), (second, tokens[1]))])
            statuses = sorted(s for s, _ in results)
            assert statuses == [200, 409], results
            loser = next(body for s, body in results if s == 409)
            assert loser["error"] in ("stale", "taken", "task_closed")
            task = await gw.gateway.followups.get(task_id)
            assert task is not None and task["attempts"] == 1 and len(task["calls"]) == 1


async def test_staff_only(gw: Gw) -> None:
    async with gw.http.get(gw.url("/api/followups")) as r:
        assert r.status == 401
    editor = await gw.account("fu-ed", "editor")
    assert (await call(gw, "GET", "/api/followups", editor))[0] == 403
    agent = await gw.account("fu-e")
    status, reasons = await call(gw, "GET", "/api/followups/reasons", agent)
    assert status == 200 and {"id": "long_wait", "ar": "طول الانتظار", "en": "Long wait"} in reasons["reasons"]
    assert (await call(gw, "POST", "/api/followups/fu_nope/calls", agent,
                       {"result": "resolved", "reason": "fees", "version": 1}))[0] == 404
