"""Rasa's Redis tracker store without the second read, parse and merge of the whole tracker on every save.

Rasa's ``RedisTrackerStore.save`` reads the stored tracker again, deserialises it and merges it with the one
being saved (replaying its events to compare them), because ``retrieve`` hands the dialogue only the last
conversation session and a plain write would drop the earlier ones; the merge also absorbs a write by
someone else in between. That was ~15 % of Rasa's CPU per turn (docs/capacity.md). Here the store keeps
a digest of the text it read for each conversation: when the tracker read was the whole stored one and Redis still
holds exactly that text at save time, the merge would return the tracker being saved unchanged, so it is
written as is. Any other case (earlier sessions exist, another writer came in between, nothing was read
by this process) goes through Rasa's own merging save. Same stored result, one parse and one replay less.

chatbot/endpoints.yml names this class; Rasa imports it from its working directory (the repository root
locally, /app in the image), and would fall back to an in-memory store if it could not: the shared-state
tests (tests/chatbot/test_rasa_shared_state.py, tests/scale) fail then.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

# Conversations whose read digest is kept between a turn's retrieve and its save (LRU beyond that: a read
# that is never saved, e.g. a failed turn, must not grow the process; 16-byte digests, not the text).
REMEMBERED = 50_000


def digest(text: str | None) -> bytes | None:
    return None if text is None else hashlib.blake2b(text.encode(), digest_size=16).digest()


class WholeTrackerRedisStore(RedisTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # sender_id -> digest of the stored text this process read or wrote, if one session (None: none/more)
        self._read: OrderedDict[str, bytes | None] = OrderedDict()
        self.merged_saves = 0  # saves that took Rasa's read-and-merge path (tests/chatbot/test_tracker_store.py)

    def _remember(self, sender_id: str, text: str | None) -> None:
        self._read[sender_id] = digest(text)
        self._read.move_to_end(sender_id)
        while len(self._read) > REMEMBERED:
            self._read.popitem(last=False)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        stored = self.red.get(self.key_prefix + sender_id)
        if stored is None:
            self._remember(sender_id, None)
            return None
        tracker = self.deserialise_tracker(sender_id, stored)
        sessions = get_trackers_for_conversation_sessions(tracker) if not fetch_all_sessions else [tracker]
        self._remember(sender_id, stored if len(sessions) <= 1 else None)
        return tracker if len(sessions) <= 1 else sessions[-1]

    # Rasa's signature: ``timeout`` is the key's expiry, not an asyncio timeout.
    async def save(self, tracker: DialogueStateTracker, timeout: float | None = None) -> None:  # noqa: ASYNC109
        key = self.key_prefix + tracker.sender_id
        if tracker.sender_id not in self._read or self.event_broker is not None:
            self.merged_saves += 1
            await super().save(tracker, timeout)  # nothing read here (or events to stream): Rasa's own path
            return
        expected = self._read.pop(tracker.sender_id)
        stored = self.red.get(key)
        if stored is not None and digest(stored) != expected:
            self.merged_saves += 1
            await super().save(tracker, timeout)  # earlier sessions, or another writer: merge as Rasa does
            return
        text = self.serialise_tracker(tracker)
        self.red.set(key, text, ex=timeout or self.record_exp)
        self._remember(tracker.sender_id, text)
