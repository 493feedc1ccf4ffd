"""Citizen questions the bot could not answer, kept (masked) so editors can close the gap.

The assistant calls ``record_unanswered`` when a turn ended in a clarify the citizen rejected, a
handoff for low confidence, or negative feedback. The text is masked with ``pii.mask`` before it is
stored: the editor page shows these texts to people who must not see ID or phone numbers.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from common.pii import mask
from common.redistext import as_str
from knowledge_base.engine.chitchat import is_chitchat
from knowledge_base.engine.person_request import asks_for_person
from knowledge_base.faqs.keys import KbKeys, keys_or_env

Reason = Literal["low_confidence", "clarify_rejected", "negative_feedback"]
REASONS = ("low_confidence", "clarify_rejected", "negative_feedback")
STREAM_MAXLEN = 50_000
MAX_TEXT = 1000


@dataclass(frozen=True)
class UnansweredRecord:
    id: str
    text: str
    reason: str
    conversation_id: str
    candidates: tuple[str, ...]
    at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "reason": self.reason, "conversation_id": self.conversation_id,
                "candidates": list(self.candidates), "at": self.at}



def wants_an_faq(text: str) -> bool:
    """False for what no FAQ answers: a request for a person (the handoff is the answer) or small talk.
    Kept out of the list, they no longer become the biggest cluster and give it their title."""
    return not asks_for_person(text) and not is_chitchat(text)



async def record_unanswered(
    redis: Any,
    *,
    text: str,
    reason: str,
    conversation_id: str = "",
    candidates: list[str] | None = None,
    keys: KbKeys | None = None,
) -> str | None:
    """Append one masked record; returns its stream id (None when the text is empty or wants no FAQ)."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}, got {reason!r}")
    masked = mask(" ".join(text.split()))[:MAX_TEXT]
    if not masked or not wants_an_faq(text):
        return None
    fields = {
        "text": masked,
        "reason": reason,
        "conversation_id": conversation_id or "",
        "candidates": json.dumps(list(candidates or [])[:10]),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    stream_id = await redis.xadd(keys_or_env(keys).unanswered, fields, maxlen=STREAM_MAXLEN, approximate=True)
    return as_str(stream_id)


def _record(stream_id: Any, fields: dict[Any, Any]) -> UnansweredRecord:
    f = {as_str(k): as_str(v) for k, v in fields.items()}
    return UnansweredRecord(
        id=as_str(stream_id), text=f.get("text", ""), reason=f.get("reason", ""),
        conversation_id=f.get("conversation_id", ""), candidates=tuple(json.loads(f.get("candidates") or "[]")),
        at=f.get("at", ""),
    )


async def open_records(redis: Any, keys: KbKeys | None = None, limit: int = 2000) -> list[UnansweredRecord]:
    """The newest ``limit`` records not yet turned into an FAQ or dismissed, newest first."""
    k = keys_or_env(keys)
    rows = await redis.xrevrange(k.unanswered, count=limit)
    done = {as_str(x) for x in await redis.smembers(k.unanswered_done)}
    return [r for r in (_record(sid, f) for sid, f in rows) if r.id not in done]


async def mark_done(redis: Any, record_ids: list[str], keys: KbKeys | None = None) -> int:
    """Hide records from the clusters (they became an FAQ draft or were dismissed)."""
    if not record_ids:
        return 0
    return int(await redis.sadd(keys_or_env(keys).unanswered_done, *record_ids))
