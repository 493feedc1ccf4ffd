"""One click from a resolved conversation to an FAQ draft: the citizen's question, the agent's reply."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from common.pii import mask
from handoff.editor import common as c
from handoff.keys import Keys
from knowledge_base.faqs.validation import FieldError, ValidationFailed, messages

routes = web.RouteTableDef()


def question_and_reply(entries: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The citizen message just before the agent's first reply, and that reply (consecutive agent lines)."""
    question, reply = "", list[str]()
    for entry in entries:
        kind = entry.get("type")
        if kind == "user_message" and not entry.get("payload"):
            if reply:
                break
            question = str(entry.get("text") or "")
        elif kind == "agent_message":
            reply.append(str(entry.get("text") or ""))
    if not question or not reply:
        return None
    return mask(question), mask("\n".join(reply))


@routes.post("/api/faq/from-conversation")
async def from_conversation(request: web.Request) -> web.Response:
    account = await c.writer(request)
    data = await c.body(request)
    cid = data.get("conversation_id")
    if not isinstance(cid, str) or not cid.strip():
        raise c.invalid([FieldError("conversation_id", "required")])
    store = c.store_of(request)
    keys = Keys(store.keys.prefix)
    # Only finished conversations: a live one is still personal, unreviewed and changing.
    state = await store.redis.hget(keys.conv(cid), "state")
    if state is None:
        raise web.HTTPNotFound(text=json.dumps({"error": "not_found", "reason": f"no conversation {cid!r}"}),
                               content_type="application/json")
    if (state.decode() if isinstance(state, bytes) else state) != "closed":
        reason = "only a resolved (closed) conversation can become an FAQ draft; resolve it first"
        raise web.HTTPConflict(text=json.dumps({"error": "not_resolved", "reason": reason}),
                               content_type="application/json")
    rows = await store.redis.xrange(keys.transcript(cid))
    entries = [json.loads(fields.get(b"e") or fields.get("e") or "{}") for _id, fields in rows]
    pair = question_and_reply(entries)
    if pair is None:
        reason = "this conversation has no citizen question answered by an agent"
        payload = {"error": "no_agent_reply", "reason": reason}
        raise web.HTTPNotFound(text=json.dumps(payload), content_type="application/json")
    question, answer = pair
    category = data.get("category") or messages()["default_category"]["ar"]
    draft = {"category": category, "question": question, "answer": answer, "status": "draft",
             "tags": ["from-conversation"]}
    try:
        entry = await store.create(draft, actor=c.actor(account))
    except ValidationFailed as exc:
        raise c.from_validation(exc) from None
    return c.reply({"entry": entry.to_json(), "conversation_id": cid}, status=201)
