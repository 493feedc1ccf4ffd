"""End to end: an entry published in the store is answered by the real Rasa + action server within 5 s,
no restart; unpublished, it is no longer answered; a second action-server process picks it up too."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import yaml

from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.store import FaqStore
from scripts import procs
from tests.conftest import INDEX_DIR

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

ANSWER = "لا يُسمح بدخول الحيوانات الأليفة إلى الفروع باستثناء كلاب الإرشاد المرافقة لذوي الإعاقة."
ENTRY = {
    "id": "e2e-branch-pets",
    "category": "الفروع",
    "question": "هل يسمح بإحضار الحيوانات الأليفة إلى الفرع؟",
    "alternatives": ["هل أستطيع اصطحاب قطتي أو كلبي معي إلى مكتب الوزارة؟", "ابي اجيب قطوتي معي للفرع"],
    "answer": ANSWER,
}
PARAPHRASE = "هل يمكنني إحضار كلبي إلى الفرع؟"
LIMIT_S = 5.0


def _post(url: str, payload: dict) -> object:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def rasa_reply(rasa_url: str, text: str) -> str:
    replies = _post(f"{rasa_url}/webhooks/rest/webhook", {"sender": f"e2e-{uuid.uuid4().hex[:8]}", "message": text})
    return "\n".join(str(r.get("text") or "") for r in replies)


def action_reply(action_url: str, text: str, domain: dict) -> str:
    """Call action_answer_faq on an action server directly, as Rasa does."""
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    tracker = {
        "sender_id": sender, "slots": {}, "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
        "latest_message": {"text": text, "intent": {"name": "ask_question", "confidence": 1.0}, "entities": []},
        "events": [{"event": "user", "text": text}],
    }
    body = _post(f"{action_url}/webhook", {"next_action": "action_answer_faq", "sender_id": sender,
                                           "tracker": tracker, "domain": domain, "version": "3.6.21"})
    return "\n".join(str(r.get("text") or "") for r in body.get("responses", []))


def wait_until(check, limit: float) -> float | None:
    """Seconds until check() is true, or None past ``limit`` (polled every 0.2 s)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if check():
            return time.monotonic() - t0
        time.sleep(0.2)
    return None


async def _store_call(redis_url: str, prefix: str, op: str) -> int:
    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        store = FaqStore(client, KbKeys(prefix))
        if op == "count":
            return await store.count()
        if op == "publish":
            if await store.get(ENTRY["id"]) is None:
                await store.create({**ENTRY, "status": "draft"}, actor="e2e")
            await store.set_status(ENTRY["id"], "published", actor="e2e")
        else:
            await store.set_status(ENTRY["id"], "draft", actor="e2e")
        return await store.version()
    finally:
        await client.aclose()


def test_published_entry_is_answered_by_rasa_and_a_second_action_server(rasa_stack, tmp_path: Path) -> None:
    url, prefix = rasa_stack.redis_url, rasa_stack.redis_prefix
    domain = yaml.safe_load((procs.ROOT / "chatbot" / "domain.yml").read_text(encoding="utf-8"))
    assert asyncio.run(_store_call(url, prefix, "count")) > 0, "the action server seeds an empty store"
    port = procs.free_port()
    second = procs.action_server(port, tmp_path, REDIS_URL=url, REDIS_PREFIX=prefix, KB_INDEX_DIR=str(INDEX_DIR))
    second.start()
    try:
        second.wait_healthy(timeout=120)
        second_url = f"http://127.0.0.1:{port}"
        assert ANSWER not in rasa_reply(rasa_stack.rasa_url, PARAPHRASE)
        assert ANSWER not in action_reply(second_url, PARAPHRASE, domain)

        asyncio.run(_store_call(url, prefix, "publish"))
        took = wait_until(lambda: ANSWER in rasa_reply(rasa_stack.rasa_url, PARAPHRASE), LIMIT_S)
        assert took is not None, f"Rasa did not answer within {LIMIT_S}s of publishing"
        assert wait_until(lambda: ANSWER in action_reply(second_url, PARAPHRASE, domain), LIMIT_S) is not None

        asyncio.run(_store_call(url, prefix, "unpublish"))
        gone = wait_until(lambda: ANSWER not in rasa_reply(rasa_stack.rasa_url, PARAPHRASE), LIMIT_S)
        assert gone is not None, "still answered after unpublishing"
        assert wait_until(lambda: ANSWER not in action_reply(second_url, PARAPHRASE, domain), LIMIT_S) is not None
        print(json.dumps({"publish_to_rasa_answer_s": round(took, 2), "unpublish_to_gone_s": round(gone, 2)}))
    finally:
        second.stop()
