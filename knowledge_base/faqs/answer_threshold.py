"""The answer threshold an editor applied from labelled use, stored beside the FAQ corpus.

It belongs to the corpus (faqs/local_threshold.py sets it on this corpus's own questions), so it
travels like an edit: applying or reverting it bumps the corpus version and publishes it, and every
replica's live index rebuilds with it (live.py); the audit stream records who did it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from redis.exceptions import WatchError

from common.clock import now_iso
from common.redistext import as_str
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.store import AUDIT_MAXLEN

log = logging.getLogger(__name__)


def parse(raw: Any) -> dict[str, Any] | None:
    """The stored record, or None when absent or unreadable (then the index's own threshold serves)."""
    if not raw:
        return None
    try:
        rec = json.loads(as_str(raw))
        float(rec["threshold"])
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring an unreadable answer threshold record in the FAQ store")
        return None
    return rec if isinstance(rec, dict) else None


def summary(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """The record as shown and audited: the labelled questions of the neighbours rule as counts (the
    served record keeps them; live.py encodes them)."""
    if record is None or not isinstance(record.get("neighbours"), dict):
        return record
    near = record["neighbours"]
    return {**record, "neighbours": {side: len(near.get(side) or []) for side in ("inside", "outside")}}


async def read(redis: Any, keys: KbKeys) -> dict[str, Any] | None:
    """The applied record, summarised (`summary`)."""
    return summary(parse(await redis.get(keys.answer_threshold)))


async def write(redis: Any, keys: KbKeys, record: dict[str, Any] | None, actor: str) -> int:
    """Apply `record` (None reverts to the index's threshold) as one corpus change; the new version."""
    at = now_iso("seconds")
    stored = {**record, "by": actor, "at": at} if record is not None else None
    audited = json.dumps(summary(stored), ensure_ascii=False)
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(keys.version)
                version = int(as_str(await pipe.get(keys.version) or 0)) + 1
                pipe.multi()
                if stored is None:
                    pipe.delete(keys.answer_threshold)
                else:
                    pipe.set(keys.answer_threshold, json.dumps(stored, ensure_ascii=False))
                pipe.xadd(keys.audit, {"entry_id": "", "action": "answer_threshold", "actor": actor, "at": at,
                                       "version": str(version), "after": audited},
                          maxlen=AUDIT_MAXLEN, approximate=True)
                pipe.set(keys.version, version)
                pipe.publish(keys.changed_channel, version)
                await pipe.execute()
                return version
            except WatchError:
                continue
