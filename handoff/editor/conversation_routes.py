"""One click from a resolved conversation to an FAQ draft: the citizen's question, the agent's reply."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from common.pii import mask
from handoff.appkeys import GATEWAY_KEY
from handoff.editor import common as c
from handoff.errors import ConversationError
from handoff.http_errors import http_error
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


async def _finished_transcript(request: web.Request, cid: str) -> list[dict[str, Any]]:
    """The transcript of a closed conversation, read through the gateway's own conversation store."""
    conversations = request.app[GATEWAY_KEY].conversations
    try:
        state = await conversations.state(cid)
    except ConversationError:
        raise http_error(web.HTTPNotFound, "not_found", f"no conversation {cid!r}") from None
    # Only finished conversations: a live one is still personal, unreviewed and changing.
    if state != "closed":
        reason = "only a resolved (closed) conversation can become an FAQ draft; resolve it first"
        raise http_error(web.HTTPConflict, "not_resolved", reason)
    return await conversations.entries(cid)


@routes.post("/api/faq/from-conversation")
async def from_conversation(request: web.Request) -> web.Response:
    account = await c.writer(request)
    data = await c.body(request)
    cid = data.get("conversation_id")
    if not isinstance(cid, str) or not cid.strip():
        raise c.invalid([FieldError("conversation_id", "required")])
    pair = question_and_reply(await _finished_transcript(request, cid))
    if pair is None:
        reason = "this conversation has no citizen question answered by an agent"
        raise http_error(web.HTTPNotFound, "no_agent_reply", reason)
    question, answer = pair
    category = data.get("category") or messages()["default_category"]["ar"]
    draft = {"category": category, "question": question, "answer": answer, "status": "draft",
             "tags": ["from-conversation"]}
    try:
        entry = await c.store_of(request).create(draft, actor=c.actor(account))
    except ValidationFailed as exc:
        raise c.from_validation(exc) from None
    return c.reply({"entry": entry.to_json(), "conversation_id": cid}, status=201)
