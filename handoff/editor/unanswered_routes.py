"""Unanswered questions, clustered by meaning, and the shortcuts that turn them into FAQ drafts."""

from __future__ import annotations

import asyncio

from aiohttp import web

from handoff.editor import common as c
from knowledge_base.faqs.clusters import cluster_records
from knowledge_base.faqs.embcache_redis import RedisEmbeddingCache
from knowledge_base.faqs.unanswered import mark_done, open_records, wants_an_faq
from knowledge_base.faqs.validation import FieldError

routes = web.RouteTableDef()
QUERY_VECTOR_TTL = 30 * 24 * 3600


@routes.get("/api/unanswered/clusters")
async def clusters(request: web.Request) -> web.Response:
    await c.writer(request)
    store, live = c.store_of(request), c.live_of(request)
    records = await open_records(store.redis, store.keys, limit=c.int_query(request, "limit", 2000, 1, 5000))
    records = [r for r in records if wants_an_faq(r.text)]  # recorded before the check existed
    encoder = getattr(live.current, "encoder", None) or live.encoder
    cache = RedisEmbeddingCache(live.redis, store.keys, ttl_seconds=QUERY_VECTOR_TTL)
    found = await asyncio.to_thread(cluster_records, records, encoder, cache)
    return c.reply({"total": len(records), "clusters": [cl.to_json() for cl in found]})


@routes.post("/api/unanswered/dismiss")
async def dismiss(request: web.Request) -> web.Response:
    await c.writer(request)
    data = await c.body(request)
    ids = data.get("record_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise c.invalid([FieldError("record_ids", "not_a_list")])
    store = c.store_of(request)
    return c.reply({"dismissed": await mark_done(store.redis, ids, store.keys)})
