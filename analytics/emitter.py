"""Producers' side: append one event to the analytics stream, masked, without ever failing the caller.

A chat reply must not wait on, or fail because of, analytics: ``emit`` gives Redis a short deadline and
swallows every error (a masked warning and the ``dropped`` counter say it happened). Every string field is
passed through the project's PII masker before it leaves the process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from analytics import keys
from analytics.events import envelope
from common.pii import mask

log = logging.getLogger(__name__)

# Approximate trim (MAXLEN ~): cheap, and far above what a consumer that is down for a day leaves behind.
STREAM_MAXLEN = 2_000_000
EMIT_TIMEOUT_S = 1.0
_ENVELOPE = ("v", "id", "type", "at", "conversation_id")


def masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    return value


def encode(event: dict[str, Any]) -> dict[str, str]:
    """One stream entry: the whole event as JSON in field ``e`` (typed values survive the trip)."""
    clean = {k: (v if k in _ENVELOPE else masked(v)) for k, v in event.items()}
    return {"e": json.dumps(clean, ensure_ascii=False, separators=(",", ":"))}


class Emitter:
    def __init__(self, redis: Any, prefix: str, timeout_s: float = EMIT_TIMEOUT_S) -> None:
        self.redis = redis
        self.stream = keys.stream(prefix)
        self.timeout_s = timeout_s
        self.sent = 0
        self.dropped = 0

    async def emit(self, type_: str, conversation_id: str, **fields: Any) -> bool:
        """Append one event; True if Redis took it. Never raises into the caller's path."""
        try:
            entry = encode(envelope(type_, conversation_id, **fields))
            await asyncio.wait_for(
                self.redis.xadd(self.stream, entry, maxlen=STREAM_MAXLEN, approximate=True), self.timeout_s)
        except Exception as exc:  # analytics must never break a conversation
            self.dropped += 1
            log.warning("analytics event %s dropped: %s", type_, mask(str(exc))[:200])
            return False
        self.sent += 1
        return True
