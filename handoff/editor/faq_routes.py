"""FAQ entry CRUD: list with filters, get, create, update (optimistic), delete/restore, publish, history."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from handoff.editor import common as c
from handoff.editor.duplicates import near_duplicates
from knowledge_base.engine.normalize import fold
from knowledge_base.faqs.store import DuplicateId, NotFound, StaleVersion
from knowledge_base.faqs.stored import StoredEntry
from knowledge_base.faqs.unanswered import mark_done
from knowledge_base.faqs.validation import FieldError, ValidationFailed

routes = web.RouteTableDef()


def _matches(entry: StoredEntry, category: str | None, status: str | None, needle: str | None,
             translation: str | None = None) -> bool:
    if category and entry.category != category:
        return False
    if translation and entry.translation != translation:
        return False
    if status == "deleted":
        return entry.deleted
    if entry.deleted or (status and entry.status != status):
        return False
    if needle:
        hay = fold(" ".join((entry.id, entry.question, entry.answer, *entry.alternatives, *entry.tags,
                             entry.question_en, entry.answer_en)))
        return needle in hay
    return True


@routes.get("/api/faq")
async def list_entries(request: web.Request) -> web.Response:
    await c.reader(request)
    q = request.query
    needle = fold(q["q"]) if q.get("q", "").strip() else None
    entries = await c.store_of(request).all()
    picked = [e for e in entries if _matches(e, q.get("category") or None, q.get("status") or None, needle,
                                             q.get("translation") or None)]
    picked.sort(key=lambda e: e.updated_at, reverse=True)
    return c.reply({
        "entries": [e.to_json() for e in picked],
        "total": len(picked),
        "categories": sorted({e.category for e in entries if not e.deleted}),
        "translations": _translation_counts(entries),
        "version": await c.store_of(request).version(),
    })


def _translation_counts(entries: list[StoredEntry]) -> dict[str, int]:
    out = {"missing": 0, "stale": 0, "current": 0}
    for e in entries:
        if not e.deleted:
            out[e.translation] += 1
    return out


@routes.get("/api/faq/{id}")
async def get_entry(request: web.Request) -> web.Response:
    await c.reader(request)
    entry = await c.store_of(request).get(request.match_info["id"])
    if entry is None:
        raise c.not_found(request.match_info["id"])
    return c.reply({"entry": entry.to_json()})


@routes.get("/api/faq/{id}/history")
async def history(request: web.Request) -> web.Response:
    await c.writer(request)
    entry_id = request.match_info["id"]
    if await c.store_of(request).get(entry_id) is None:
        raise c.not_found(entry_id)
    return c.reply({"id": entry_id, "history": await c.store_of(request).history(entry_id)})


async def _saved(request: web.Request, entry: StoredEntry, status: int = 200) -> web.Response:
    dupes = await near_duplicates(c.live_of(request), entry.question, entry.alternatives, exclude_id=entry.id)
    return c.reply({"entry": entry.to_json(), "near_duplicates": dupes}, status=status)


@routes.post("/api/faq")
async def create_entry(request: web.Request) -> web.Response:
    account = await c.writer(request)
    data = await c.body(request)
    from_unanswered = data.pop("from_unanswered", None) or []
    try:
        entry = await c.store_of(request).create(data, actor=c.actor(account))
    except ValidationFailed as exc:
        raise c.from_validation(exc) from None
    except DuplicateId:
        raise c.invalid([FieldError("id", "duplicate_id")]) from None
    if isinstance(from_unanswered, list) and from_unanswered:
        await mark_done(c.store_of(request).redis, [str(i) for i in from_unanswered], c.store_of(request).keys)
    return await _saved(request, entry, status=201)


@routes.put("/api/faq/{id}")
async def update_entry(request: web.Request) -> web.Response:
    account = await c.writer(request)
    data = await c.body(request)
    rev = c.rev_of(data, required=True)
    fields = {k: v for k, v in data.items() if k not in ("rev", "id")}
    entry = await c.update(request, request.match_info["id"], fields, rev or 0, account)
    return await _saved(request, entry)


async def _lifecycle(request: web.Request, op: str) -> web.Response:
    account = await c.writer(request)
    data: dict[str, Any] = await c.body(request) if request.can_read_body else {}
    if "rev" not in data and request.query.get("rev"):
        data["rev"] = request.query["rev"]
    rev = c.rev_of(data, required=False)
    store, entry_id, who = c.store_of(request), request.match_info["id"], c.actor(account)
    try:
        if op in ("published", "draft"):
            entry = await store.set_status(entry_id, op, who, expected_rev=rev)
        elif op == "delete":
            entry = await store.delete(entry_id, who, expected_rev=rev)
        else:
            entry = await store.restore(entry_id, who, expected_rev=rev)
    except StaleVersion as exc:
        raise c.stale(exc.current) from None
    except NotFound:
        raise c.not_found(entry_id) from None
    return c.reply({"entry": entry.to_json(), "version": await store.version()})


@routes.post("/api/faq/{id}/publish")
async def publish(request: web.Request) -> web.Response:
    return await _lifecycle(request, "published")


@routes.post("/api/faq/{id}/unpublish")
async def unpublish(request: web.Request) -> web.Response:
    return await _lifecycle(request, "draft")


@routes.delete("/api/faq/{id}")
async def delete_entry(request: web.Request) -> web.Response:
    return await _lifecycle(request, "delete")


@routes.post("/api/faq/{id}/restore")
async def restore_entry(request: web.Request) -> web.Response:
    return await _lifecycle(request, "restore")
