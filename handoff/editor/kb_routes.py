"""Search as the bot does ("try a question", the console's FAQ search), duplicate check, import, export."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from handoff.editor import common as c
from handoff.editor import upload
from handoff.editor.duplicates import near_duplicates
from handoff.http_errors import http_error
from knowledge_base.faqs.importexport import CONTENT_TYPES, ImportFormatError, export_bytes, run_import
from knowledge_base.faqs.validation import FieldError

routes = web.RouteTableDef()


def _unavailable() -> web.HTTPServiceUnavailable:
    return http_error(web.HTTPServiceUnavailable, "index_unavailable",
                      "the FAQ index is not loaded yet; check REDIS_URL and KB_INDEX_DIR, then retry")


def _search(kb: Any, text: str) -> dict[str, Any]:
    res = kb.search(text, top_k=5)
    return {
        "decision": res.decision,
        "truncated": res.truncated,
        "margin": round(res.margin, 4),
        "thresholds": _reasons(kb, res),
        "offered": [cand.id for cand in res.options],
        "candidates": [
            {"id": cand.id, "question": cand.question, "answer": cand.answer, "category": cand.category,
             "score": round(cand.score, 4), "dense": round(cand.dense, 4), "lexical": round(cand.lexical, 4)}
            for cand in res.candidates
        ],
    }


@routes.get("/api/faq/search")
async def search(request: web.Request) -> web.Response:
    await c.reader(request)
    text = request.query.get("q", "")
    if not text.strip():
        raise c.invalid([FieldError("q", "required")])
    live = c.live_of(request)
    kb = live.current
    if kb is None:
        raise _unavailable()
    result = await asyncio.to_thread(_search, kb, text)
    result["version"] = live.version
    return c.reply(result)


def _reasons(kb: Any, res: Any) -> dict[str, Any]:
    """What decided: the answer gate's checks when the index has one, else the score/margin rule's."""
    th = kb.thresholds
    clarify = round(th.clarify_score, 3)
    if res.analysed is not None and res.analysed.small_talk:
        return {"rule": "small_talk", "clarify": clarify}  # chitchat.yaml decided, not a score
    if res.gate is None:
        return {"rule": "score", "answer": round(th.answer_score, 3), "margin": round(th.answer_margin, 3),
                "clarify": clarify}
    g = res.gate
    out = {"rule": "gate", "agree": g.agree, "min_agree": g.min_agree, "confidence": round(g.confidence, 3),
           "needed": round(g.needed, 3), "clarify": clarify}
    if res.scope is not None:  # options vs "not handled here" is the scope gate's call, not a score's
        out.update(rule="gates", scope=round(res.scope.confidence, 3), scope_needed=round(res.scope.needed, 3))
    near = th.neighbours
    if res.near == "answer" and near is not None and near.t is not None and near.m is not None:
        out.update(rule="near", near=round(near.t, 3), margin=round(near.m, 3))  # the gate alone would not answer
    elif res.near == "outside" and near is not None and near.m_out is not None:
        out.update(rule="near_outside", margin=round(near.m_out, 3))  # the scope gate alone would show a menu
    return out


@routes.get("/api/faq/live")
async def live_status(request: web.Request) -> web.Response:
    """Which corpus version this process serves, against the store's: is my change live here yet?"""
    await c.reader(request)
    live = c.live_of(request)
    st = live.stats
    return c.reply({
        "served_version": st.version, "store_version": await c.store_of(request).version(),
        "entries": st.entries, "rebuilds": st.rebuilds, "last_build_seconds": round(st.last_build_seconds, 3),
        "errors": st.errors, "ready": live.current is not None,
    })


@routes.post("/api/faq/check-duplicates")
async def check_duplicates(request: web.Request) -> web.Response:
    await c.writer(request)
    data = await c.body(request)
    question = data.get("question")
    alternatives = data.get("alternatives") or []
    if not isinstance(question, str) or not question.strip():
        raise c.invalid([FieldError("question", "required")])
    if not isinstance(alternatives, list):
        raise c.invalid([FieldError("alternatives", "not_a_list")])
    alts = [a for a in alternatives if isinstance(a, str)]
    dupes = await near_duplicates(c.live_of(request), question, alts, exclude_id=data.get("id"))
    return c.reply({"near_duplicates": dupes})


@routes.post("/api/faq/import")
async def import_file(request: web.Request) -> web.Response:
    account = await c.writer(request)
    data, fmt = await upload.file_of(request)
    try:
        report = await run_import(c.store_of(request), data, fmt, c.actor(account), dry_run=upload.dry_run(request))
    except ImportFormatError as exc:
        raise upload.refused(exc) from None
    return c.reply(report.to_json())


@routes.get("/api/faq/export")
async def export_file(request: web.Request) -> web.Response:
    await c.writer(request)
    fmt = upload.fmt(request, "jsonl")
    data = export_bytes(await c.store_of(request).all(), fmt)
    headers = {"Content-Disposition": f'attachment; filename="faq.{fmt}"'}
    return web.Response(body=data, headers=headers, content_type=CONTENT_TYPES[fmt].split(";")[0],
                        charset="utf-8" if fmt != "xlsx" else None)
