"""Editor HTTP API against a real aiohttp server, real accounts and Redis, and the live index."""

from __future__ import annotations

import asyncio

import pytest

from handoff.appkeys import GATEWAY_KEY

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENTRY = {
    "category": "المواعيد",
    "question": "هل يسمح بإحضار الحيوانات الأليفة إلى الفرع؟",
    "alternatives": ["هل أستطيع اصطحاب قطتي أو كلبي معي إلى مكتب الوزارة؟", "ابي اجيب قطوتي معي للفرع"],
    "answer": "لا يُسمح بدخول الحيوانات الأليفة إلى الفروع باستثناء كلاب الإرشاد.",
    "links": ["https://example.gov.sa/branches"],
}


async def _create(editor, entry_id: str, **over) -> dict:
    resp = await editor.client.post("/api/faq", json={"id": entry_id, **ENTRY, **over}, headers=editor.auth("editor"))
    assert resp.status == 201, await resp.text()
    return (await resp.json())["entry"]


async def test_no_token_is_401_and_agents_are_read_only(editor) -> None:
    assert (await editor.client.get("/api/faq")).status == 401
    assert (await editor.client.get("/api/faq", headers={"Authorization": "Bearer nope"})).status == 401
    listing = await editor.client.get("/api/faq", headers=editor.auth("agent"))
    assert listing.status == 200 and (await listing.json())["total"] > 100
    agent = editor.auth("agent")
    assert (await editor.client.post("/api/faq", json={"id": "agent-try", **ENTRY}, headers=agent)).status == 403
    assert (await editor.client.put("/api/faq/appointments-book", json={"rev": 1, "answer": "x" * 10},
                                    headers=agent)).status == 403
    assert (await editor.client.post("/api/faq/appointments-book/unpublish", headers=agent)).status == 403
    assert (await editor.client.delete("/api/faq/appointments-book", headers=agent)).status == 403
    assert (await editor.client.get("/api/faq/appointments-book", headers=agent)).status == 200
    # the supervisor may write
    sup = await editor.client.post("/api/faq", json={"id": "sup-made", **ENTRY}, headers=editor.auth("supervisor"))
    assert sup.status == 201


async def test_crud_lifecycle_and_filters(editor) -> None:
    created = await _create(editor, "crud-1")
    assert created["status"] == "draft" and created["rev"] == 1
    ed = editor.auth("editor")
    got = await (await editor.client.get("/api/faq/crud-1", headers=ed)).json()
    assert got["entry"]["alternatives"] == ENTRY["alternatives"]
    resp = await editor.client.put("/api/faq/crud-1", json={"rev": 1, "answer": "جواب جديد يوضح الحالات المسموحة."},
                                   headers=ed)
    assert resp.status == 200 and (await resp.json())["entry"]["rev"] == 2
    drafts = await (await editor.client.get("/api/faq", params={"status": "draft", "q": "الأليفة"}, headers=ed)).json()
    assert "crud-1" in [e["id"] for e in drafts["entries"]]
    assert drafts["entries"] and all(e["status"] == "draft" for e in drafts["entries"])
    published = await (await editor.client.get("/api/faq", params={"status": "published", "q": "الأليفة"},
                                               headers=ed)).json()
    assert "crud-1" not in [e["id"] for e in published["entries"]]
    by_cat = await (await editor.client.get("/api/faq", params={"category": "المواعيد"}, headers=ed)).json()
    assert by_cat["entries"] and all(e["category"] == "المواعيد" for e in by_cat["entries"])
    assert (await editor.client.delete("/api/faq/crud-1", headers=ed)).status == 200
    listed = await (await editor.client.get("/api/faq", params={"q": "الأليفة"}, headers=ed)).json()
    assert "crud-1" not in [e["id"] for e in listed["entries"]]
    deleted = await (await editor.client.get("/api/faq", params={"status": "deleted"}, headers=ed)).json()
    assert "crud-1" in [e["id"] for e in deleted["entries"]]
    restored = await editor.client.post("/api/faq/crud-1/restore", headers=ed)
    assert (await restored.json())["entry"]["deleted"] is False
    history = await (await editor.client.get("/api/faq/crud-1/history", headers=ed)).json()
    assert [h["action"] for h in history["history"]] == ["restore", "delete", "update", "create"]
    assert history["history"][2]["before"]["answer"] == ENTRY["answer"]
    assert history["history"][2]["actor"] == "editor1"
    assert (await editor.client.get("/api/faq/nope-404", headers=ed)).status == 404


async def test_validation_errors_name_each_field_in_arabic_and_english(editor) -> None:
    bad = {"id": "Bad Id!", "category": "", "question": "؟", "answer": "نعم جواب كاف", "links": ["javascript:alert(1)"]}
    resp = await editor.client.post("/api/faq", json=bad, headers=editor.auth("editor"))
    assert resp.status == 422
    errors = {e["field"]: e for e in (await resp.json())["errors"]}
    assert set(errors) == {"category", "question", "links"}
    assert errors["links"]["message_en"].startswith("Only https")
    assert "https" in errors["links"]["message_ar"]
    resp = await editor.client.post("/api/faq", json={**ENTRY, "id": "Bad Id!"}, headers=editor.auth("editor"))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "id"
    await _create(editor, "val-1")
    resp = await editor.client.put("/api/faq/val-1", json={"answer": "بدون رقم النسخة هنا"},
                                   headers=editor.auth("editor"))
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "rev"


async def test_stale_edit_gets_409_with_the_current_entry(editor) -> None:
    await _create(editor, "race-1")
    ed = editor.auth("editor")
    first = await editor.client.put("/api/faq/race-1", json={"rev": 1, "answer": "إجابة المحرر الأول الكاملة."},
                                    headers=ed)
    assert first.status == 200
    second = await editor.client.put("/api/faq/race-1", json={"rev": 1, "answer": "إجابة المحرر الثاني الكاملة."},
                                     headers=editor.auth("supervisor"))
    assert second.status == 409
    body = await second.json()
    assert body["current"]["answer"] == "إجابة المحرر الأول الكاملة." and body["current"]["rev"] == 2


async def test_simultaneous_edits_of_one_revision_one_wins(editor) -> None:
    await _create(editor, "race-2")

    async def put(i: int) -> int:
        answer = f"نسخة متزامنة رقم {i} من الإجابة."
        resp = await editor.client.put("/api/faq/race-2", json={"rev": 1, "answer": answer},
                                       headers=editor.auth("editor" if i % 2 else "supervisor"))
        return resp.status

    statuses = await asyncio.gather(*(put(i) for i in range(6)))
    assert sorted(statuses) == [200, 409, 409, 409, 409, 409]


async def test_near_duplicate_warning_uses_the_bots_retrieval(editor) -> None:
    resp = await editor.client.post("/api/faq", json={
        "id": "dup-1", "category": "المواعيد", "question": "كيف يمكنني حجز موعد في أحد فروع الوزارة؟",
        "answer": "احجز من المنصة الإلكترونية.",
    }, headers=editor.auth("editor"))
    assert resp.status == 201
    dupes = (await resp.json())["near_duplicates"]
    assert dupes and dupes[0]["id"] == "appointments-book"
    fresh = await editor.client.post("/api/faq/check-duplicates", json={
        "question": "هل يسمح بإحضار الحيوانات الأليفة إلى الفرع؟"}, headers=editor.auth("editor"))
    assert (await fresh.json())["near_duplicates"] == []


async def test_search_endpoint_shape_and_roles(editor) -> None:
    assert (await editor.client.get("/api/faq/search", params={"q": "موعد"})).status == 401
    resp = await editor.client.get("/api/faq/search", params={"q": "كم رسوم رخصة العمل"},
                                   headers=editor.auth("agent"))
    body = await resp.json()
    assert body["decision"] == "answer"
    top = body["candidates"][0]
    assert top["id"] == "permits-fee" and {"id", "question", "answer", "category", "score"} <= set(top)
    why = body["thresholds"]  # the two gates' reasons agree with the decision
    assert why["rule"] == "gates" and why["agree"] >= why["min_agree"] and why["confidence"] >= why["needed"]
    assert 0 <= why["scope"] <= 1 and 0 <= why["scope_needed"] <= 1
    resp = await editor.client.get("/api/faq/search", params={"q": "رسوم"}, headers=editor.auth("agent"))
    vague = await resp.json()
    why = vague["thresholds"]
    assert vague["decision"] == "clarify" and (why["agree"] < why["min_agree"] or why["confidence"] < why["needed"])
    empty = await editor.client.get("/api/faq/search", params={"q": " "}, headers=editor.auth("agent"))
    assert empty.status == 422
    talk = await (await editor.client.get("/api/faq/search", params={"q": "وش رايك بالجو اليوم؟ بروح العمل مشي"},
                                          headers=editor.auth("agent"))).json()
    assert talk["decision"] == "handoff" and talk["thresholds"]["rule"] == "small_talk"  # chitchat.yaml decided


async def test_publish_makes_the_entry_answerable_and_unpublish_removes_it(editor) -> None:
    entry = await _create(editor, "live-pets")
    ed, q = editor.auth("editor"), {"q": "هل يمكنني إحضار كلبي إلى الفرع؟"}
    resp = await editor.client.post("/api/faq/live-pets/publish", json={"rev": entry["rev"]}, headers=ed)
    version = (await resp.json())["version"]
    assert await asyncio.to_thread(editor.live.wait_for_version, version, 60)
    body = await (await editor.client.get("/api/faq/search", params=q, headers=ed)).json()
    assert body["decision"] == "answer" and body["candidates"][0]["id"] == "live-pets"
    status = await (await editor.client.get("/api/faq/live", headers=editor.auth("agent"))).json()
    assert status["ready"] and status["served_version"] >= version and status["entries"] > 100
    resp = await editor.client.post("/api/faq/live-pets/unpublish", headers=ed)
    assert await asyncio.to_thread(editor.live.wait_for_version, (await resp.json())["version"], 60)
    body = await (await editor.client.get("/api/faq/search", params=q, headers=ed)).json()
    assert "live-pets" not in [c["id"] for c in body["candidates"]]


async def test_agent_reply_of_a_resolved_conversation_becomes_a_draft_in_one_call(editor) -> None:
    conversations = editor.app[GATEWAY_KEY].conversations  # written as the gateway writes them
    cid, _token = await conversations.create()
    entries = [
        {"type": "user_message", "text": "متى تصرف الإعانة الشهرية؟ هويتي 1023456789", "payload": None},
        {"type": "bot_message", "text": "لم أجد إجابة."},
        {"type": "agent_message", "text": "تصرف الإعانة في اليوم الأول من كل شهر ميلادي.", "agent_name": "نورة"},
        {"type": "agent_message", "text": "وإذا وافق عطلة تصرف في يوم العمل التالي."},
        {"type": "user_message", "text": "شكرا", "payload": None},
    ]
    for e in entries:
        await conversations.append(cid, e)
    await conversations.append(cid, {"type": "status", "state": "with_agent"}, set_fields={"state": "with_agent"})
    live = await editor.client.post("/api/faq/from-conversation", json={"conversation_id": cid},
                                    headers=editor.auth("editor"))
    assert live.status == 409 and (await live.json())["error"] == "not_resolved"
    await conversations.append(cid, {"type": "status", "state": "closed"}, set_fields={"state": "closed"})
    resp = await editor.client.post("/api/faq/from-conversation", json={"conversation_id": cid},
                                    headers=editor.auth("editor"))
    assert resp.status == 201, await resp.text()
    draft = (await resp.json())["entry"]
    assert draft["status"] == "draft" and draft["question"].startswith("متى تصرف الإعانة الشهرية")
    assert "1023456789" not in draft["question"]
    assert draft["answer"] == "تصرف الإعانة في اليوم الأول من كل شهر ميلادي.\nوإذا وافق عطلة تصرف في يوم العمل التالي."
    missing = await editor.client.post("/api/faq/from-conversation", json={"conversation_id": "nope"},
                                       headers=editor.auth("editor"))
    assert missing.status == 404
    agent = await editor.client.post("/api/faq/from-conversation", json={"conversation_id": cid},
                                     headers=editor.auth("agent"))
    assert agent.status == 403
