"""Hands failed questions to knowledge_base.faqs.unanswered; a failure there must never break a reply."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from actions.turn import LearnedNote, UnansweredNote

log = logging.getLogger(__name__)

RECORD_TIMEOUT_S = 1.0


class UnansweredRecorder:
    def __init__(self, redis_url: str) -> None:
        self._redis_url = redis_url
        self._client: Any = None

    def redis(self) -> Any:
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.from_url(self._redis_url)
        return self._client

    async def record(self, note: UnansweredNote | None, conversation_id: str) -> None:
        if note is None or not note.text.strip():
            return
        try:
            from knowledge_base.faqs.unanswered import record_unanswered

            await asyncio.wait_for(
                record_unanswered(
                    self.redis(), text=note.text, reason=note.reason,
                    conversation_id=conversation_id, candidates=note.candidates,
                ),
                RECORD_TIMEOUT_S,
            )
        except Exception as exc:  # editors lose one record; the citizen still gets the reply
            log.warning("unanswered question not recorded: %s", exc.__class__.__name__)

    async def record_learned(self, note: LearnedNote | None, conversation_id: str) -> None:
        """A citizen's pick among the options (or its withdrawal) for the editors' suggestions."""
        if note is None:
            return
        try:
            from knowledge_base.faqs.learning import record

            await asyncio.wait_for(
                record(self.redis(), kind=note.kind, entry_id=note.entry_id, text=note.text, source="citizen",
                       by=conversation_id, conversation_id=conversation_id),
                RECORD_TIMEOUT_S,
            )
        except Exception as exc:  # a lost suggestion; the citizen still gets the reply
            log.warning("learned pair not recorded: %s", exc.__class__.__name__)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
