"""The loop that fixes "I could not find the information": unanswered -> cluster -> FAQ -> answered."""

from __future__ import annotations

import asyncio

import pytest

from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.unanswered import record_unanswered
from tests.knowledge_base.test_clusters import PARKING, PETS

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_cluster_of_five_turned_into_an_faq_makes_them_answered(editor) -> None:
    keys = KbKeys(editor.prefix)
    redis = editor.store.redis
    for i, text in enumerate(PETS + PARKING):
        await record_unanswered(redis, text=text, reason="low_confidence", conversation_id=f"c{i}", keys=keys)
    ed = editor.auth("editor")
    for text in PETS:  # before: the bot has no answer for these
        body = await (await editor.client.get("/api/faq/search", params={"q": text}, headers=ed)).json()
        assert body["decision"] != "answer"
    assert (await editor.client.get("/api/unanswered/clusters", headers=editor.auth("agent"))).status == 403
    for bad in ("many", "0", "999999"):
        resp = await editor.client.get("/api/unanswered/clusters", params={"limit": bad}, headers=ed)
        assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "limit"
    listing = await (await editor.client.get("/api/unanswered/clusters", headers=ed)).json()
    assert listing["total"] == 8
    biggest = listing["clusters"][0]
    assert biggest["count"] == 5 and set(biggest["examples"]) == set(PETS)

    draft = {**biggest["draft"], "id": "branch-pets", "category": "الفروع", "status": "published",
             "answer": "لا يُسمح بدخول الحيوانات الأليفة إلى الفروع باستثناء كلاب الإرشاد المرافقة لذوي الإعاقة.",
             "from_unanswered": biggest["record_ids"]}
    resp = await editor.client.post("/api/faq", json=draft, headers=ed)
    assert resp.status == 201, await resp.text()
    assert await asyncio.to_thread(editor.live.wait_for_version, await editor.store.version(), 60)
    for text in PETS:
        body = await (await editor.client.get("/api/faq/search", params={"q": text}, headers=ed)).json()
        assert body["decision"] == "answer" and body["candidates"][0]["id"] == "branch-pets", text

    after = await (await editor.client.get("/api/unanswered/clusters", headers=ed)).json()
    assert [c["count"] for c in after["clusters"]] == [3]
    resp = await editor.client.post("/api/unanswered/dismiss", json={"record_ids": after["clusters"][0]["record_ids"]},
                                    headers=ed)
    assert (await resp.json())["dismissed"] == 3
    assert (await (await editor.client.get("/api/unanswered/clusters", headers=ed)).json())["clusters"] == []
