"""The only door from the actions to the knowledge base: a live holder that follows the FAQ store in Redis.

The action server builds one ``KnowledgeSource`` at start-up (actions/server.py) and gives its ``get`` to
every action, as rasa-sdk actions receive their dependencies; unit tests give a fake getter instead.
``get()`` returns the index to search now. A background thread (``knowledge_base.live``) watches the
store's corpus version and swaps in a rebuilt index when an editor publishes, edits or unpublishes, so
every action-server replica serves the change within seconds, without a restart. The index on disk
(``index_dir``) is served until the store has been read, and whenever Redis is down. An empty store is
seeded from ``knowledge_base/corpus/`` at start-up. ``live=False`` (``KB_LIVE=false``) serves the index on
disk only (no Redis).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge_base.engine.search import KnowledgeBase

log = logging.getLogger(__name__)


class KnowledgeSource:
    def __init__(self, index_dir: str, redis_url: str, redis_prefix: str, live: bool = True) -> None:
        self.index_dir = index_dir
        self.redis_url = redis_url
        self.redis_prefix = redis_prefix
        self.live = live
        # Sanic serves actions from several threads (asyncio.to_thread): one load, one live holder.
        self._lock = threading.Lock()
        self._live: Any = None  # knowledge_base.live.LiveKnowledgeBase
        self._kb: KnowledgeBase | None = None  # live=False only

    def _static(self) -> KnowledgeBase:
        if self._kb is None:
            from knowledge_base.engine.search import KnowledgeBase

            self._kb = KnowledgeBase.load(self.index_dir)
            log.info("knowledge base loaded", extra={"index_dir": self.index_dir, "entries": len(self._kb.entries)})
        return self._kb

    def _live_kb(self) -> KnowledgeBase:
        if self._live is None:
            from knowledge_base.live import LiveConfig, LiveKnowledgeBase

            config = LiveConfig(redis_url=self.redis_url, prefix=self.redis_prefix, index_dir=self.index_dir)
            self._live = LiveKnowledgeBase(config).start()
            log.info("live knowledge base started",
                     extra={"kb_version": self._live.version, "index_dir": self.index_dir})
        kb: KnowledgeBase | None = self._live.current
        if kb is None:  # neither the store nor the index on disk could be read: retry from scratch next call
            self._live.stop()
            self._live = None
            from knowledge_base.engine.errors import IndexMismatchError

            raise IndexMismatchError("no knowledge base: Redis is unreachable and there is no index on disk",
                                     self.index_dir)
        return kb

    def get(self) -> KnowledgeBase:
        """The knowledge base to search now; raises the knowledge base's own error (naming the fix) when none
        loads."""
        with self._lock:
            return self._live_kb() if self.live else self._static()

    def preload(self) -> bool:
        """Load now so the first citizen does not wait for the encoder; False (logged) when the index is
        unusable."""
        try:
            self.get()
        except Exception as exc:  # the server must still start and hand off instead of answering
            log.error("knowledge base not loaded: %s", exc)
            return False
        return True

    def stop(self) -> None:
        with self._lock:
            if self._live is not None:
                self._live.stop()
                self._live = None
