"""The FAQ store in Redis: the runtime source of truth for FAQ entries.

One hash per entry, a set of all ids and a set of served ids, an integer corpus version bumped by
every change, an audit stream (global + per entry) and a pub/sub ping so live indexes reload.
Every write runs under WATCH on the entries it touches and on the version key, so two editors
racing on one entry cannot both win (the loser gets StaleVersion with the current entry).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from redis.exceptions import WatchError

from common.clock import now_iso
from common.redistext import as_str
from knowledge_base.engine.errors import DuplicateIdError
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.stored import Change, StoredEntry, diff, from_faq_entry, next_revision
from knowledge_base.faqs.validation import (
    FieldError,
    ValidationFailed,
    check_english_pair,
    check_id,
    clean_fields,
)

AUDIT_MAXLEN = 100_000


class StoreError(Exception):
    """Base of the store's domain errors (mapped to HTTP statuses by the editor API)."""


class NotFound(StoreError):
    pass


# One duplicate-id error for the corpus loader and the store; the old name stays for handoff/editor's import.
DuplicateId = DuplicateIdError


class StaleVersion(StoreError):
    def __init__(self, current: StoredEntry) -> None:
        super().__init__(f"entry {current.id} is at rev {current.rev}")
        self.current = current



Builder = Callable[[dict[str, StoredEntry | None]], list[Change]]


class FaqStore:
    """Async store over ``redis.asyncio`` (decode_responses on or off)."""

    def __init__(self, redis: Any, keys: KbKeys | None = None) -> None:
        self.redis = redis
        self.keys = keys or KbKeys()

    # ---- reads -------------------------------------------------------------------------------
    async def version(self) -> int:
        return int(as_str(await self.redis.get(self.keys.version) or 0))

    async def get(self, entry_id: str) -> StoredEntry | None:
        raw = await self.redis.hgetall(self.keys.entry(entry_id))
        return StoredEntry.from_hash(raw) if raw else None

    async def all(self) -> list[StoredEntry]:
        ids = sorted(as_str(i) for i in await self.redis.smembers(self.keys.ids))
        pipe = self.redis.pipeline(transaction=False)
        for entry_id in ids:
            pipe.hgetall(self.keys.entry(entry_id))
        rows = await pipe.execute() if ids else []
        return [StoredEntry.from_hash(r) for r in rows if r]

    async def count(self) -> int:
        return int(await self.redis.scard(self.keys.ids))

    async def history(self, entry_id: str, limit: int = 200) -> list[dict[str, Any]]:
        rows = await self.redis.xrevrange(self.keys.entry_audit(entry_id), count=limit)
        out = []
        for stream_id, fields in rows:
            rec: dict[str, Any] = {as_str(k): as_str(v) for k, v in fields.items()}
            for name in ("fields", "before", "after"):
                rec[name] = json.loads(rec.get(name) or "null")
            rec["version"] = int(rec.get("version", 0))
            rec["stream_id"] = as_str(stream_id)
            out.append(rec)
        return out

    # ---- writes ------------------------------------------------------------------------------
    async def create(self, data: dict[str, Any], actor: str) -> StoredEntry:
        fields = clean_fields(data, partial=False)
        entry_id = check_id(data["id"]) if data.get("id") else f"faq-{secrets.token_hex(4)}"

        def build(cur: dict[str, StoredEntry | None]) -> list[Change]:
            if cur[entry_id] is not None:
                raise DuplicateIdError([entry_id])
            now = now_iso("seconds")
            entry = StoredEntry(id=entry_id, created_at=now, updated_at=now, updated_by=actor, rev=1,
                                updated_at_ar=now_iso("microseconds"), **fields)
            if entry.question_en:
                entry = replace(entry, updated_at_en=entry.updated_at_ar)
            return [Change("create", None, entry)]

        return (await self._transact([entry_id], build, actor))[0].after

    async def update(self, entry_id: str, data: dict[str, Any], expected_rev: int, actor: str) -> StoredEntry:
        fields = clean_fields(data, partial=True)

        def edit(entry: StoredEntry) -> StoredEntry:
            after = replace(entry, **fields)
            check_english_pair(after.question_en, after.answer_en)
            return after

        return await self._modify(entry_id, "update", edit, actor, expected_rev)

    async def set_status(self, entry_id: str, status: str, actor: str, expected_rev: int | None = None) -> StoredEntry:
        clean_fields({"status": status}, partial=True)
        action = "publish" if status == "published" else "unpublish"
        return await self._modify(entry_id, action, lambda e: replace(e, status=status), actor, expected_rev)

    async def delete(self, entry_id: str, actor: str, expected_rev: int | None = None) -> StoredEntry:
        return await self._modify(entry_id, "delete", lambda e: replace(e, deleted=True), actor, expected_rev)

    async def restore(self, entry_id: str, actor: str, expected_rev: int | None = None) -> StoredEntry:
        return await self._modify(entry_id, "restore", lambda e: replace(e, deleted=False), actor, expected_rev)

    async def upsert_many(self, rows: list[dict[str, Any]], actor: str, action: str = "import") -> list[Change]:
        """Create or overwrite entries by id in ONE transaction and one version bump (import, seed).

        Rows must already be validated (see importexport.plan_import). Unchanged rows are skipped.
        """
        by_id = {row["id"]: clean_fields(row, partial=False) for row in rows}
        dates = {row["id"]: row.get("updated_at") for row in rows}
        dates_en = {row["id"]: row.get("updated_at_en") for row in rows}

        def build(cur: dict[str, StoredEntry | None]) -> list[Change]:
            changes, now = [], now_iso("seconds")
            for entry_id, fields in by_id.items():
                before = cur[entry_id]
                if before is None:  # a new entry keeps the date its file gives (seed, round-trips)
                    stamp = str(dates.get(entry_id) or now)
                    stamp_en = str(dates_en.get(entry_id) or stamp) if fields.get("question_en") else ""
                    after = StoredEntry(
                        id=entry_id, created_at=stamp, updated_at=stamp, updated_by=actor, rev=1,
                        updated_at_ar=stamp, updated_at_en=stamp_en, **fields,
                    )
                else:
                    after = replace(before, deleted=False, **fields)
                    if not diff(before, after):
                        continue
                    after = next_revision(before, after, actor, now)
                changes.append(Change(action, before, after))
            return changes

        return await self._transact(list(by_id), build, actor) if by_id else []

    async def add_alternatives(self, additions: dict[str, list[str]], actor: str) -> list[Change]:
        """Append alternatives to several entries in ONE transaction and one version bump (an editor
        accepting the suggestions learned from use). Entries deleted or gone are skipped, texts an entry
        already has are not added twice; an entry pushed past the field's limits fails the whole batch
        (ValidationFailed naming the entry)."""

        def build(cur: dict[str, StoredEntry | None]) -> list[Change]:
            changes, now = [], now_iso("seconds")
            for entry_id, texts in additions.items():
                before = cur[entry_id]
                if before is None or before.deleted:
                    continue
                merged = [*before.alternatives, *(t for t in dict.fromkeys(texts) if t not in before.alternatives)]
                try:
                    fields = clean_fields({"alternatives": merged}, partial=True)
                except ValidationFailed as exc:
                    raise ValidationFailed([FieldError(f"{entry_id}.{e.field}", e.code, e.params)
                                            for e in exc.errors]) from None
                after = replace(before, **fields)
                if diff(before, after):
                    changes.append(Change("update", before, next_revision(before, after, actor, now)))
            return changes

        return await self._transact(list(additions), build, actor) if additions else []

    async def seed_if_empty(self, entries: Iterable[Any], actor: str = "system:seed") -> int:
        """Seed from corpus FaqEntry objects when the store has no entries; return how many were written.

        A short lock stops two processes starting together from seeding twice.
        """
        if await self.count() > 0:
            return 0
        if not await self.redis.set(self.keys.seed_lock, "1", nx=True, ex=60):
            return 0
        try:
            if await self.count() > 0:
                return 0
            return len(await self.upsert_many([from_faq_entry(e) for e in entries], actor, action="seed"))
        finally:
            await self.redis.delete(self.keys.seed_lock)

    async def _modify(
        self, entry_id: str, action: str, edit: Callable[[StoredEntry], StoredEntry], actor: str,
        expected_rev: int | None,
    ) -> StoredEntry:
        def build(cur: dict[str, StoredEntry | None]) -> list[Change]:
            before = cur[entry_id]
            if before is None:
                raise NotFound(entry_id)
            if expected_rev is not None and expected_rev != before.rev:
                raise StaleVersion(before)
            after = edit(before)
            if not diff(before, after):
                return []
            now = now_iso("seconds")
            after = next_revision(before, after, actor, now)
            return [Change(action, before, after)]

        changes = await self._transact([entry_id], build, actor)
        if changes:
            return changes[0].after
        current = await self.get(entry_id)
        assert current is not None
        return current

    async def _transact(self, ids: list[str], build: Builder, actor: str) -> list[Change]:
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(keys.version, *(keys.entry(i) for i in ids))
                    cur: dict[str, StoredEntry | None] = {}
                    for entry_id in ids:
                        raw = await pipe.hgetall(keys.entry(entry_id))
                        cur[entry_id] = StoredEntry.from_hash(raw) if raw else None
                    changes = build(cur)
                    if not changes:
                        await pipe.unwatch()
                        return []
                    version = int(as_str(await pipe.get(keys.version) or 0)) + 1
                    pipe.multi()
                    self._queue_writes(pipe, changes, version, actor)
                    await pipe.execute()
                    return changes
                except WatchError:
                    continue

    def _queue_writes(self, pipe: Any, changes: list[Change], version: int, actor: str) -> None:
        keys, at = self.keys, now_iso("seconds")
        for ch in changes:
            entry = ch.after
            pipe.hset(keys.entry(entry.id), mapping=entry.to_hash())
            pipe.sadd(keys.ids, entry.id)
            (pipe.sadd if entry.served else pipe.srem)(keys.published, entry.id)
            fields = diff(ch.before, entry)
            record = {
                "entry_id": entry.id, "action": ch.action, "actor": actor, "at": at, "version": str(version),
                "rev": str(entry.rev), "fields": json.dumps(fields),
                "before": json.dumps(_pick(ch.before, fields), ensure_ascii=False),
                "after": json.dumps(_pick(entry, fields), ensure_ascii=False),
            }
            pipe.xadd(keys.audit, record, maxlen=AUDIT_MAXLEN, approximate=True)
            pipe.xadd(keys.entry_audit(entry.id), record)
        pipe.set(keys.version, version)
        pipe.publish(keys.changed_channel, version)


def _pick(entry: StoredEntry | None, fields: list[str]) -> dict[str, Any] | None:
    if entry is None:
        return None
    data = entry.to_json()
    return {f: data[f] for f in fields}
