"""The only door from the actions to the knowledge base: a live holder that follows the FAQ store in Redis.

``get_knowledge_base()`` returns the index to search now. A background thread (``knowledge_base.live``)
watches the store's corpus version and swaps in a rebuilt index when an editor publishes, edits or
unpublishes, so every action-server replica serves the change within seconds, without a restart. The
index on disk (``KB_INDEX_DIR``) is served until the store has been read, and whenever Redis is down.
An empty store is seeded from ``knowledge_base/corpus/`` at start-up.

Redis comes from ``configure(index_dir, redis_url, redis_prefix)``; when the server passes only the index
dir, ``REDIS_URL`` / ``REDIS_PREFIX`` are read at configure time. ``KB_LIVE=false`` serves the index on
disk only (no Redis), as before.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from common.envconf import env_bool, env_str

if TYPE_CHECKING:
    from knowledge_base.engine.search import KnowledgeBase

log = logging.getLogger(__name__)

_lock = threading.Lock()
_index_dir = "var/index"
_redis_url: str | None = None
_redis_prefix: str | None = None
_live_enabled = True
_live: Any = None  # knowledge_base.live.LiveKnowledgeBase
_kb: KnowledgeBase | None = None  # KB_LIVE=false only


def configure(
    index_dir: str, redis_url: str | None = None, redis_prefix: str | None = None, live: bool | None = None
) -> None:
    global _index_dir, _redis_url, _redis_prefix, _live_enabled, _live, _kb
    with _lock:
        if _live is not None:
            _live.stop()
        _index_dir, _live, _kb = index_dir, None, None
        _redis_url = redis_url or env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
        _redis_prefix = redis_prefix or env_str("REDIS_PREFIX", "faq:")
        _live_enabled = env_bool("KB_LIVE", True) if live is None else live


def _static() -> KnowledgeBase:
    global _kb
    if _kb is None:
        from knowledge_base.engine.search import KnowledgeBase

        _kb = KnowledgeBase.load(_index_dir)
        log.info("knowledge base loaded", extra={"index_dir": _index_dir, "entries": len(_kb.entries)})
    return _kb


def _live_kb() -> KnowledgeBase:
    global _live
    if _live is None:
        from knowledge_base.live import LiveConfig, LiveKnowledgeBase

        config = LiveConfig(redis_url=_redis_url or "redis://127.0.0.1:6379/0", prefix=_redis_prefix or "faq:",
                            index_dir=_index_dir)
        _live = LiveKnowledgeBase(config).start()
        log.info("live knowledge base started", extra={"kb_version": _live.version, "index_dir": _index_dir})
    kb: KnowledgeBase | None = _live.current
    if kb is None:  # neither the store nor the index on disk could be read: retry from scratch next call
        _live.stop()
        _live = None
        from knowledge_base.engine.errors import IndexMismatchError

        raise IndexMismatchError("no knowledge base: Redis is unreachable and there is no index on disk", _index_dir)
    return kb


def get_knowledge_base() -> KnowledgeBase:
    """The knowledge base to search now; raises the knowledge base's own error (naming the fix) when none loads."""
    with _lock:
        return _live_kb() if _live_enabled else _static()


def preload() -> bool:
    """Load now so the first citizen does not wait for the encoder; False (logged) when the index is unusable."""
    try:
        get_knowledge_base()
    except Exception as exc:  # the server must still start and hand off instead of answering
        log.error("knowledge base not loaded: %s", exc)
        return False
    return True
