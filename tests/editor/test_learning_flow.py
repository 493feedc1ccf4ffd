"""Learning from use through the real editor API: evidence in Redis -> suggestions -> one click adds an
alternative to its entry (an audited edit) or dismisses it; agents' FAQ inserts count as evidence."""

from __future__ import annotations

import json

import pytest

from handoff.keys import Keys
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.learning import record

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENTRY = {"id": "learn-licence-renew", "category": "رخص القيادة", "question": "كيف أجدد رخصة القيادة؟",
         "alternatives": ["تجديد رخصة القيادة"], "answer": "جدد الرخصة إلكترونيًا بعد سداد الرسوم والفحص الطبي.",
         "status": "published"}


async def test_picks_become_one_click_alternatives(editor) -> None:
    ed, redis, keys = editor.auth("editor"), editor.store.redis, KbKeys(editor.prefix)
    assert (await editor.client.post("/api/faq", json=ENTRY, headers=ed)).status == 201
    for conv in ("c1", "c2"):
        await record(redis, kind="pick", entry_id=ENTRY["id"], text="رخصتي خلصت من شهر وش اسوي", by=conv,
                     conversation_id=conv, keys=keys)
    await record(redis, kind="pick", entry_id=ENTRY["id"], text="ابي اطلع رخصة جديدة", conversation_id="c3",
                 by="c3", keys=keys)
    await record(redis, kind="reject", entry_id=ENTRY["id"], conversation_id="c3", keys=keys)
    # An agent inserts the FAQ while serving a handed-off citizen.
    packet = {"reason": "user_request", "summary": ["هويتي 1012345678 انتهت رخصتي وانا مسافر", "ابي اكلم موظف"]}
    await redis.hset(Keys(editor.prefix).conv("c9"), mapping={"state": "with_agent", "handoff": json.dumps(packet)})
    resp = await editor.client.post("/api/learn/agent-pick", json={"conversation_id": "c9", "faq_id": ENTRY["id"]},
                                    headers=editor.auth("agent"))
    assert (await resp.json())["recorded"] is True
    bad = await editor.client.post("/api/learn/agent-pick", json={"faq_id": ENTRY["id"]}, headers=editor.auth("agent"))
    assert bad.status == 422

    assert (await editor.client.get("/api/learn/suggestions", headers=editor.auth("agent"))).status == 403
    listing = (await (await editor.client.get("/api/learn/suggestions", headers=ed)).json())["suggestions"]
    mine = sorted((s for s in listing if s["entry_id"] == ENTRY["id"]), key=lambda s: s["citizens"])
    assert [(s["citizens"], s["agents"]) for s in mine] == [(0, ["agent1"]), (2, [])]  # c3's pick was withdrawn
    agent_text = mine[0]["text"]
    assert "1012345678" not in agent_text and "رخصتي" in agent_text and "موظف" not in agent_text
    assert mine[0]["entry_question"] == ENTRY["question"]

    citizens = mine[1]
    wrong = await editor.client.post(f"/api/learn/suggestions/{citizens['key']}/accept",
                                     json={"entry_id": ENTRY["id"], "text": "نص آخر"}, headers=ed)
    assert wrong.status == 422
    ok = await editor.client.post(f"/api/learn/suggestions/{citizens['key']}/accept",
                                  json={"entry_id": ENTRY["id"], "text": citizens["text"]}, headers=ed)
    assert ok.status == 200, await ok.text()
    assert (await ok.json())["entry"]["alternatives"] == [*ENTRY["alternatives"], citizens["text"]]
    history = await (await editor.client.get(f"/api/faq/{ENTRY['id']}/history", headers=ed)).json()
    assert history["history"][0]["actor"] == "editor1"

    gone = await editor.client.post(f"/api/learn/suggestions/{mine[0]['key']}/dismiss", headers=ed)
    assert (await gone.json())["dismissed"] == 1
    after = (await (await editor.client.get("/api/learn/suggestions", headers=ed)).json())["suggestions"]
    assert [s for s in after if s["entry_id"] == ENTRY["id"]] == []
