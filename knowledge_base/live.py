"""A knowledge base that follows the FAQ store in Redis: every replica reindexes on its own.

A background thread waits on the store's pub/sub channel (and polls the corpus version as a safety
net, pub/sub being fire-and-forget). When the version moves it reads a consistent snapshot of the
published entries, builds a new in-memory index (the shared Redis embedding cache means only
changed texts are encoded) and swaps one reference: a search already running keeps the index it
started with, the next one sees the new one. If Redis is unreachable the last good index is kept.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import redis

from common.redistext import as_str
from knowledge_base.engine.embcache import passage_model
from knowledge_base.faqs import answer_threshold
from knowledge_base.faqs.embcache_redis import LayeredCache, RedisEmbeddingCache, vectors_of_index, vectors_of_index_dir
from knowledge_base.faqs.keys import KbKeys
from knowledge_base.faqs.stored import StoredEntry

log = logging.getLogger(__name__)
DEFAULT_CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class LiveConfig:
    redis_url: str
    prefix: str = "faq:"
    index_dir: str | None = None  # the index on disk: its encoder/thresholds, and the fallback when Redis is down
    corpus_dir: str | None = str(DEFAULT_CORPUS)  # seeds an empty store; None disables seeding
    poll_seconds: float = 1.0


@dataclass
class LiveStats:
    version: int = -1
    entries: int = 0
    rebuilds: int = 0
    last_build_seconds: float = 0.0
    last_swap_at: float = 0.0
    errors: int = 0
    history: list[dict[str, float]] = field(default_factory=list)



def read_snapshot(client: redis.Redis, keys: KbKeys) -> tuple[int, list[StoredEntry], dict[str, Any] | None]:
    """(version, served entries, the answer threshold an editor applied) read so that no write landed in
    between (writes are MULTI/EXEC)."""
    while True:
        before = int(as_str(client.get(keys.version) or 0))
        ids = sorted(as_str(i) for i in client.smembers(keys.published))
        pipe = client.pipeline(transaction=False)
        pipe.get(keys.answer_threshold)
        for entry_id in ids:
            pipe.hgetall(keys.entry(entry_id))
        local, *rows = pipe.execute()
        if int(as_str(client.get(keys.version) or 0)) == before:
            entries = [StoredEntry.from_hash(r) for r in rows if r]
            return before, [e for e in entries if e.served], answer_threshold.parse(local)


class LiveKnowledgeBase:
    def __init__(self, config: LiveConfig, encoder: Any = None, thresholds: Any = None) -> None:
        self.config = config
        self.keys = KbKeys(config.prefix)
        self.redis = redis.Redis.from_url(config.redis_url, socket_timeout=5, health_check_interval=30)
        self.cache = LayeredCache({}, RedisEmbeddingCache(self.redis, self.keys))
        self.encoder = encoder
        self.thresholds = thresholds
        self.stats = LiveStats()
        self.normalizer: Any = None  # memoising copy of the engine's normaliser, made on first build
        self._kb: Any = None
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> Any:
        """The KnowledgeBase to search now (None before the first successful load)."""
        return self._kb

    @property
    def version(self) -> int:
        return self.stats.version

    # ---- start-up ----------------------------------------------------------------------------
    def start(self) -> LiveKnowledgeBase:
        """Load (disk index first, then the store), then follow the store in a daemon thread."""
        self._load_base()
        self._seed_if_empty()
        try:
            self.refresh()
        except redis.RedisError as exc:
            self.stats.errors += 1
            log.warning("FAQ store unreachable at start-up (%s); serving the index on disk", exc)
        self._thread = threading.Thread(target=self._follow, name="live-kb", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.redis.close()

    def _load_base(self) -> None:
        from knowledge_base.engine.encoders import encoder_from_env
        from knowledge_base.engine.errors import KnowledgeBaseError
        from knowledge_base.engine.indexio import read_manifest
        from knowledge_base.engine.thresholds import Thresholds, default_thresholds

        self.encoder = self.encoder or encoder_from_env()
        index_dir = self.config.index_dir
        if index_dir and Path(index_dir).exists():
            from knowledge_base.engine.search import KnowledgeBase

            try:
                base = KnowledgeBase.load(index_dir, encoder=self.encoder)
                self._kb = base
                self.cache.memory = vectors_of_index(base)
                self.thresholds = self.thresholds or base.thresholds
            except (KnowledgeBaseError, OSError, ValueError) as exc:
                # Still usable: its vectors (content-addressed) and thresholds; the store rebuilds the rest.
                log.warning("index on disk not loaded (%s); building from the FAQ store", exc)
                self.cache.memory = vectors_of_index_dir(index_dir, passage_model(self.encoder))
                manifest = read_manifest(Path(index_dir)) or {}
                if manifest.get("thresholds") and self.thresholds is None:
                    self.thresholds = Thresholds.from_dict(manifest["thresholds"])
        self.thresholds = self.thresholds or default_thresholds()

    def _seed_if_empty(self) -> None:
        if not self.config.corpus_dir:
            return
        try:
            if self.redis.scard(self.keys.ids) > 0:
                return
            # Own thread, own loop: start() may be called from code that already runs an event loop.
            worker = threading.Thread(target=asyncio.run, args=(_seed(self.config, self.keys),))
            worker.start()
            worker.join()
        except redis.RedisError as exc:
            log.warning("could not seed the FAQ store (%s)", exc)

    # ---- reindex -----------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Rebuild and swap if the store's version moved; True when a new index was swapped in."""
        version = int(as_str(self.redis.get(self.keys.version) or 0))
        if version == self.stats.version:
            return False
        if version == 0 and self._kb is not None:
            return False  # nothing was ever written (another process is seeding): keep the disk index
        t0 = time.perf_counter()
        version, entries, local = read_snapshot(self.redis, self.keys)
        kb = self._build([e.to_faq_entry() for e in entries], local)
        self._kb = kb  # the swap: one reference assignment, atomic under the GIL
        took = time.perf_counter() - t0
        self.stats.version, self.stats.entries = version, len(entries)
        self.stats.rebuilds += 1
        self.stats.last_build_seconds, self.stats.last_swap_at = took, time.time()
        self.stats.history = [*self.stats.history[-49:], {"version": version, "seconds": took}]
        log.info("live index swapped", extra={"kb_version": version, "entries": len(entries),
                                               "build_ms": round(took * 1000)})
        with self._changed:
            self._changed.notify_all()
        return True

    def _build(self, entries: list[Any], local: dict[str, Any] | None = None) -> Any:
        """An index of `entries`; `local`: the thresholds an editor applied from labelled use."""
        from knowledge_base.engine.neighbours import from_record
        from knowledge_base.engine.search import KnowledgeBase

        if self.normalizer is None:
            from knowledge_base.engine.normalize import default_normalizer

            self.normalizer = memoized_normalizer(default_normalizer())
        th = self.thresholds.with_local(local) if local else self.thresholds
        kb = KnowledgeBase.build(entries, encoder=self.encoder, cache=self.cache, thresholds=th,
                                 normalizer=self.normalizer)
        near = from_record(kb, local, self.cache)
        if near is not None:
            kb.thresholds = replace(kb.thresholds, neighbours=near)
        return kb

    def wait_for_version(self, version: int, timeout: float) -> bool:
        """Block until the served index is at ``version`` or newer (tests, benches)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.stats.version < version:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _follow(self) -> None:
        pubsub = None
        while not self._stop.is_set():
            try:
                if pubsub is None:
                    pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                    pubsub.subscribe(self.keys.changed_channel)
                pubsub.get_message(timeout=self.config.poll_seconds)
                self.refresh()
            except Exception as exc:  # keep following: a bad snapshot or Redis blip must not kill the thread
                self.stats.errors += 1
                log.warning("live index refresh failed: %s", exc)
                pubsub = None
                self._stop.wait(self.config.poll_seconds)
        if pubsub is not None:
            pubsub.close()


def memoized_normalizer(base: Any, limit: int = 200_000) -> Any:
    """A copy of ``base`` whose tokenisers remember their results: a rebuild then tokenises only the
    texts that changed (tokenising every field dominates the build time). Pure functions of the text,
    so the index is identical; copies are returned so no caller can alter the memo."""
    norm = copy.copy(base)
    for name in ("lex_tokens", "char_grams"):
        fn = getattr(base, name, None)
        if callable(fn):
            setattr(norm, name, _memo(fn, limit))
    return norm


def _memo(fn: Any, limit: int) -> Any:
    memo: dict[Any, list[str]] = {}

    def wrapper(*args: Any, **kwargs: Any) -> list[str]:
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        out = memo.get(key)
        if out is None:
            if len(memo) >= limit:
                memo.clear()
            out = memo[key] = list(fn(*args, **kwargs))
        return list(out)

    return wrapper


async def _seed(config: LiveConfig, keys: KbKeys) -> None:
    import redis.asyncio as aioredis

    from knowledge_base.engine.corpus import load_corpus
    from knowledge_base.faqs.store import FaqStore

    client = aioredis.from_url(config.redis_url, decode_responses=True)
    try:
        entries = await asyncio.to_thread(load_corpus, config.corpus_dir)
        count = await FaqStore(client, keys).seed_if_empty(entries)
        if count:
            log.info("seeded the FAQ store from the corpus", extra={"entries": count})
    finally:
        await client.aclose()
