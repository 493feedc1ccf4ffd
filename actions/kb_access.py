"""The only door from the actions to the knowledge base (its internals will become a live-reloading holder).

Loading happens once per process (``preload`` at start-up, or lazily on first use); a failed load is retried
on the next call so an index built after the server started is picked up without a restart.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge_base.search import KnowledgeBase

log = logging.getLogger(__name__)

_lock = threading.Lock()
_index_dir = "var/index"
_kb: KnowledgeBase | None = None


def configure(index_dir: str) -> None:
    global _index_dir, _kb
    with _lock:
        _index_dir, _kb = index_dir, None


def get_knowledge_base() -> KnowledgeBase:
    """The loaded knowledge base; raises the knowledge base's own error (naming the fix) when it cannot load."""
    global _kb
    with _lock:
        if _kb is None:
            from knowledge_base.search import KnowledgeBase

            _kb = KnowledgeBase.load(_index_dir)
            log.info("knowledge base loaded", extra={"index_dir": _index_dir, "entries": len(_kb.entries)})
        return _kb


def preload() -> bool:
    """Load now so the first citizen does not wait for the encoder; False (logged) when the index is unusable."""
    try:
        get_knowledge_base()
    except Exception as exc:  # the server must still start and hand off instead of answering
        log.error("knowledge base not loaded: %s", exc)
        return False
    return True
