"""Learning from use (knowledge_base/faqs/learning.py): agents' FAQ inserts and "not covered by the FAQ"
marks are recorded, and editors may import questions labelled elsewhere (faqs/labels_import.py); editors
review the suggested alternatives and add one to its entry in one click, or dismiss it; and see the answer
threshold the labelled questions support for this corpus, and apply or revert it (faqs/local_threshold.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from handoff.editor import common as c
from handoff.editor import upload
from handoff.http_errors import http_error
from handoff.keys import Keys
from knowledge_base.engine import neighbours
from knowledge_base.engine.person_request import asks_for_person
from knowledge_base.faqs import answer_threshold, learning
from knowledge_base.faqs.importexport import ImportFormatError
from knowledge_base.faqs.labels_import import run_label_import
from knowledge_base.faqs.local_proposal import propose
from knowledge_base.faqs.local_threshold import (
    DECIDING,
    MIN_IN_SCOPE,
    MIN_SCOPE_LABELS,
    LocalFit,
    applied_stale,
    is_number,
    min_out_of_scope,
    near_stale,
)
from knowledge_base.faqs.validation import FieldError, ValidationFailed

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


async def _handoff_question(request: web.Request, cid: str) -> str | None:
    store = c.store_of(request)
    raw = await store.redis.hget(Keys(store.keys.prefix).conv(cid), "handoff")
    return citizen_question(json.loads(raw) if raw else {})


@routes.post("/api/learn/agent-pick")
async def agent_pick(request: web.Request) -> web.Response:
    """The agent inserted FAQ `faq_id` into a reply in conversation `conversation_id`."""
    account = await c.reader(request)
    data = await c.body(request)
    cid, faq_id = _text_field(data, "conversation_id"), _text_field(data, "faq_id")
    store = c.store_of(request)
    question = await _handoff_question(request, cid)
    if question is None or await store.get(faq_id) is None:
        return c.reply({"recorded": False})
    sid = await learning.record(store.redis, kind="pick", entry_id=faq_id, text=question, source="agent",
                                by=c.actor(account), conversation_id=cid, keys=store.keys)
    return c.reply({"recorded": sid is not None})


@routes.post("/api/learn/agent-outside")
async def agent_outside(request: web.Request) -> web.Response:
    """The agent says the citizen's question in conversation `conversation_id` is not covered by the FAQ."""
    account = await c.reader(request)
    cid = _text_field(await c.body(request), "conversation_id")
    store = c.store_of(request)
    question = await _handoff_question(request, cid)
    if question is None:
        return c.reply({"recorded": False})
    sid = await learning.record(store.redis, kind="outside", entry_id="", text=question, source="agent",
                                by=c.actor(account), conversation_id=cid, keys=store.keys)
    return c.reply({"recorded": sid is not None})


@routes.post("/api/learn/import")
async def import_labels(request: web.Request) -> web.Response:
    """A file of questions labelled elsewhere (`question`, `id` or empty): previewed (`dry_run`, the default),
    then recorded as evidence; suggestions and the thresholds' proposal read it like citizens' picks."""
    account = await c.writer(request)
    data, fmt = await upload.file_of(request)
    try:
        report = await run_label_import(c.store_of(request), data, fmt, c.actor(account), upload.dry_run(request))
    except ImportFormatError as exc:
        raise upload.refused(exc) from None
    return c.reply(report.to_json())


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


MAX_BATCH = 500


def _batch(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(key, entry id, text) of every suggestion in `suggestions`, each checked against its key."""
    items = data.get("suggestions")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise c.invalid([FieldError("suggestions", "batch_size", {"max": MAX_BATCH})])
    out = []
    for n, item in enumerate(items):
        fields = [item.get(k) if isinstance(item, dict) else None for k in ("key", "entry_id", "text")]
        key, entry_id, text = (v.strip() if isinstance(v, str) else "" for v in fields)
        if not (key and entry_id and text) or learning.suggestion_key(entry_id, text) != key:
            raise c.invalid([FieldError(f"suggestions.{n}", "does_not_match_suggestion")])
        out.append((key, entry_id, text))
    return out


@routes.post("/api/learn/suggestions/accept")
async def accept_many(request: web.Request) -> web.Response:
    """Add every listed suggestion to its entry in one audited transaction (one rebuild of the index):
    the editor dismisses what does not read like a citizen's question, then accepts the rest at once."""
    account = await c.writer(request)
    batch = _batch(await c.body(request))
    additions: dict[str, list[str]] = {}
    for _key, entry_id, text in batch:
        additions.setdefault(entry_id, []).append(text)
    store = c.store_of(request)
    try:
        changes = await store.add_alternatives(additions, c.actor(account))
    except ValidationFailed as exc:
        raise c.from_validation(exc) from None
    served = {e.id for e in await store.all() if not e.deleted}
    done = [key for key, entry_id, _ in batch if entry_id in served]
    await learning.mark_done(store.redis, done, store.keys)
    return c.reply({"accepted": len(done), "entries_changed": len(changes),
                    "skipped": [key for key, _, _ in batch if key not in done], "version": await store.version()})


@routes.post("/api/learn/suggestions/{key}/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    await c.writer(request)
    store = c.store_of(request)
    return c.reply({"dismissed": await learning.mark_done(store.redis, [request.match_info["key"]], store.keys)})


async def _proposal(request: web.Request) -> LocalFit:
    """What the labelled questions support for the index served now."""
    store, live = c.store_of(request), c.live_of(request)
    kb, gate = live.current, live.thresholds.gate if live.thresholds is not None else None
    if kb is None or gate is None:
        raise http_error(web.HTTPServiceUnavailable, "index_unavailable",
                         "the FAQ index (with its answer gate) is not loaded yet; retry shortly")
    inside, outside = learning.labelled(await learning.read_evidence(store.redis, store.keys), kb.entries)
    scope = live.thresholds.scope if live.thresholds is not None else None
    n = len(kb.entries)
    return await asyncio.to_thread(propose, kb, gate.threshold_for(n), inside, outside,
                                   scope.threshold_for(n) if scope is not None else None)


@routes.get("/api/learn/threshold")
async def threshold(request: web.Request) -> web.Response:
    await c.writer(request)
    store = c.store_of(request)
    fit = await _proposal(request)
    applied = await answer_threshold.read(store.redis, store.keys)
    # Never changed without an editor: they are told when the labels no longer support what is applied.
    stale, scope_stale = applied_stale(applied, fit)
    return c.reply({"proposal": fit.to_dict(), "applied": applied, "applied_stale": stale, "scope_stale": scope_stale,
                    "near_stale": near_stale(applied, fit),
                    "needs": {"in_scope": MIN_IN_SCOPE, "out_of_scope": min_out_of_scope(),
                              "scope_in_scope": MIN_SCOPE_LABELS}})


@routes.post("/api/learn/threshold/apply")
async def apply_threshold(request: web.Request) -> web.Response:
    """Serve the proposal the editor saw (its deciding values: `threshold`, `scope_threshold`, `near_*`),
    if the labelled questions still support exactly it on the index served now; otherwise 409 with the
    current proposal and the values that `changed`, to look at again."""
    account = await c.writer(request)
    seen = await c.body(request)
    errors = [FieldError(k, "required" if k == "threshold" else "invalid") for k in DECIDING
              if not _number_or_null(seen.get(k), required=k == "threshold")]
    if errors:
        raise c.invalid(errors)
    store = c.store_of(request)
    fit = await _proposal(request)
    if fit.threshold is None:
        raise http_error(web.HTTPConflict, "not_enough_evidence", fit.reason)
    changed = fit.changed(seen)
    if changed:
        raise http_error(web.HTTPConflict, "proposal_changed", "new evidence or an edit changed the proposal; "
                         "review it again", proposal=fit.to_dict(), changed=changed)
    live = c.live_of(request)
    if fit.labels != ((), ()) and live.current is not None:  # the rebuild then encodes none of them
        await asyncio.to_thread(neighbours.remember, live.current, [*fit.labels[0], *fit.labels[1]], live.cache)
    version = await answer_threshold.write(store.redis, store.keys, fit.record(), c.actor(account))
    return c.reply({"applied": await answer_threshold.read(store.redis, store.keys), "version": version})


def _number_or_null(v: object, required: bool) -> bool:
    return (v is None and not required) or is_number(v)


@routes.post("/api/learn/threshold/revert")
async def revert_threshold(request: web.Request) -> web.Response:
    account = await c.writer(request)
    store = c.store_of(request)
    return c.reply({"applied": None,
                    "version": await answer_threshold.write(store.redis, store.keys, None, c.actor(account))})
