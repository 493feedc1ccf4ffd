"""Embedding cache keyed by (model name and engine numerics, sha256(text)), so a rebuild re-encodes only changed texts.

The interface is two methods so another backend (e.g. Redis) can replace the sqlite file.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from knowledge_base.engine.encoders import Encoder, numerics_of


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache(Protocol):
    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]: ...
    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None: ...


class MemoryEmbeddingCache:
    def __init__(self) -> None:
        self._d: dict[tuple[str, str], np.ndarray] = {}

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        return {k: self._d[(model, k)] for k in keys if (model, k) in self._d}

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        for k, v in items.items():
            self._d[(model, k)] = np.asarray(v, np.float32)


class SqliteEmbeddingCache:
    """One sqlite file; safe for several threads of one process, and for several processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS emb (model TEXT, key TEXT, vec BLOB, PRIMARY KEY (model, key))"
        )

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, vec FROM emb WHERE model=? AND key IN ({marks})",  # noqa: S608
                    [model, *chunk],
                )
                for k, blob in rows:
                    out[k] = np.frombuffer(blob, dtype=np.float32).copy()
        return out

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        rows = [(model, k, np.asarray(v, np.float32).tobytes()) for k, v in items.items()]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


def passage_model(encoder: Encoder) -> str:
    """The cache key's model part: the passage model and the engine's numerics (vectors of two engines
    are never mixed: they agree to cosine 0.9999 but move decisions); a query tower leaves passage
    vectors unchanged, so they are shared."""
    return vectors_model(str(getattr(encoder, "passage_name", encoder.name)), numerics_of(encoder))


def vectors_model(model: str, numerics: str) -> str:
    return f"{model}@{numerics}" if numerics else model


def query_model(encoder: Encoder) -> str:
    """The cache key's model part for query vectors (their own prefix and query tower: never a passage's);
    the labelled-neighbours rule keeps labelled questions' vectors under it (engine/neighbours.py)."""
    return "query:" + vectors_model(encoder.name, numerics_of(encoder))


def encode_passages_cached(
    encoder: Encoder, texts: list[str], cache: EmbeddingCache | None, batch: int = 64
) -> tuple[np.ndarray, int]:
    """Encode passages, reusing cached vectors; returns (vectors, number actually encoded)."""
    encoder.load()
    return _encode_cached(encoder.encode_passages, passage_model(encoder), encoder.dim, texts, cache, batch)


def encode_queries_cached(encoder: Encoder, texts: list[str], cache: EmbeddingCache | None,
                          batch: int = 64) -> np.ndarray:
    """Query vectors of `texts` (already analysed: dense_text), reusing and filling `cache`."""
    encoder.load()
    return _encode_cached(encoder.encode_queries, query_model(encoder), encoder.dim, texts, cache, batch)[0]


def _encode_cached(encode: Callable[[list[str]], np.ndarray], model: str, dim: int, texts: list[str],
                   cache: EmbeddingCache | None, batch: int) -> tuple[np.ndarray, int]:
    keys = [text_key(t) for t in texts]
    have = cache.get_many(model, sorted(set(keys))) if cache is not None else {}
    missing = list(dict.fromkeys(k for k in keys if k not in have))
    by_key = dict(zip(keys, texts, strict=True))
    new: dict[str, np.ndarray] = {}
    for i in range(0, len(missing), batch):
        chunk = missing[i : i + batch]
        vecs = encode([by_key[k] for k in chunk])
        new.update(zip(chunk, vecs, strict=True))
        if cache is not None:
            cache.put_many(model, dict(zip(chunk, vecs, strict=True)))
    have.update(new)
    out = np.stack([have[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
    return out, len(new)
