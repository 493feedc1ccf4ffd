"""Learning from use (knowledge_base/faqs/learning.py): agents' FAQ inserts are recorded; editors review the
suggested alternatives and add one to its entry in one click, or dismiss it."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from handoff.editor import common as c
from handoff.keys import Keys
from knowledge_base.engine.person_request import asks_for_person
from knowledge_base.faqs import learning
from knowledge_base.faqs.validation import FieldError

routes = web.RouteTableDef()


def _text_field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise c.invalid([FieldError(name, "required")])
    return value.strip()


def citizen_question(packet: dict[str, Any]) -> str | None:
    """The citizen's last message before the handoff that is a question, not a request for a person."""
    for line in reversed(packet.get("summary") or []):
        if isinstance(line, str) and learning.clean_question(line) and not asks_for_person(line):
            return line
    return None


@routes.post("/api/learn/agent-pick")
async def agent_pick(request: web.Request) -> web.Response:
    """The agent inserted FAQ `faq_id` into a reply in conversation `conversation_id`."""
    account = await c.reader(request)
    data = await c.body(request)
    cid, faq_id = _text_field(data, "conversation_id"), _text_field(data, "faq_id")
    store = c.store_of(request)
    raw = await store.redis.hget(Keys(store.keys.prefix).conv(cid), "handoff")
    packet = json.loads(raw) if raw else {}
    question = citizen_question(packet)
    if question is None or await store.get(faq_id) is None:
        return c.reply({"recorded": False})
    sid = await learning.record(store.redis, kind="pick", entry_id=faq_id, text=question, source="agent",
                                by=c.actor(account), conversation_id=cid, keys=store.keys)
    return c.reply({"recorded": sid is not None})


@routes.get("/api/learn/suggestions")
async def list_suggestions(request: web.Request) -> web.Response:
    await c.writer(request)
    store = c.store_of(request)
    entries = [e for e in await store.all() if not e.deleted]
    found = learning.suggestions(await learning.read_evidence(store.redis, store.keys),
                                 learning.known_texts(entries), await learning.done_keys(store.redis, store.keys))
    questions = {e.id: e.question for e in entries}
    return c.reply({"suggestions": [{**s.to_json(), "entry_question": questions[s.entry_id]} for s in found]})


@routes.post("/api/learn/suggestions/{key}/accept")
async def accept(request: web.Request) -> web.Response:
    """Add the suggested question as an alternative of its entry (an ordinary, audited edit)."""
    account = await c.writer(request)
    data = await c.body(request)
    key, entry_id, text = request.match_info["key"], _text_field(data, "entry_id"), _text_field(data, "text")
    if learning.suggestion_key(entry_id, text) != key:
        raise c.invalid([FieldError("text", "does_not_match_suggestion")])
    store = c.store_of(request)
    entry = await store.get(entry_id)
    if entry is None or entry.deleted:
        raise c.not_found(entry_id)
    saved = await c.update(request, entry_id, {"alternatives": [*entry.alternatives, text]}, entry.rev, account)
    await learning.mark_done(store.redis, [key], store.keys)
    return c.reply({"entry": saved.to_json(), "version": await store.version()})


@routes.post("/api/learn/suggestions/{key}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    await c.writer(request)
    store = c.store_of(request)
    return c.reply({"dismissed": await learning.mark_done(store.redis, [request.match_info["key"]], store.keys)})
