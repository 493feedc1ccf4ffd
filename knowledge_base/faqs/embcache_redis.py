"""Redis backend of the embedding cache (``knowledge_base.engine.embcache.EmbeddingCache`` protocol).

Shared by every replica, so an entry edited once is encoded once: the replica that rebuilds first
stores the new vectors and the others find them. Vectors are raw float32 bytes under
``{prefix}kb:emb:{model}:{sha256(text)}``; they need a client without ``decode_responses``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from knowledge_base.faqs.keys import KbKeys


class RedisEmbeddingCache:
    def __init__(self, redis: Any, keys: KbKeys, ttl_seconds: int | None = None) -> None:
        """``redis`` is a synchronous client with decode_responses off; ``ttl_seconds`` None keeps forever."""
        self.redis = redis
        self.keys = keys
        self.ttl = ttl_seconds

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            blobs = self.redis.mget([self.keys.embedding(model, k) for k in chunk])
            for k, blob in zip(chunk, blobs, strict=True):
                if blob:
                    out[k] = np.frombuffer(blob, dtype=np.float32).copy()
        return out

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for k, vec in items.items():
            pipe.set(self.keys.embedding(model, k), np.asarray(vec, np.float32).tobytes(), ex=self.ttl)
        pipe.execute()


class LayeredCache:
    """Memory first (vectors already in the index on disk), then Redis; writes go to both.

    A fresh key prefix (a new deployment, a test) then encodes nothing for texts the disk index
    already holds: only edited or new texts reach the encoder.
    """

    def __init__(self, memory: dict[tuple[str, str], np.ndarray], shared: RedisEmbeddingCache) -> None:
        self.memory = memory
        self.shared = shared

    def get_many(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out = {k: self.memory[(model, k)] for k in keys if (model, k) in self.memory}
        rest = [k for k in keys if k not in out]
        if rest:
            out.update(self.shared.get_many(model, rest))
        return out

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        self.shared.put_many(model, items)


def vectors_of_index(kb: Any) -> dict[tuple[str, str], np.ndarray]:
    """(model, text key) -> vector for every field a loaded KnowledgeBase indexed."""
    from knowledge_base.engine.embcache import passage_model

    return _pair(kb.entries, kb.dense.vectors, passage_model(kb.encoder))


def vectors_of_index_dir(index_dir: str, model: str) -> dict[tuple[str, str], np.ndarray]:
    """The same from an index directory the engine refuses to load (e.g. built with an older normaliser).

    Vectors depend only on the model and the cleaned text, and the keys are hashes of that text, so
    they stay right for every text whose cleaned form is unchanged; the rest simply miss.
    """
    import json
    from pathlib import Path

    from knowledge_base.engine.corpus import entry_from_dict
    from knowledge_base.engine.embcache import vectors_model
    from knowledge_base.engine.indexio import read_manifest

    root = Path(index_dir)
    manifest = read_manifest(root)
    if manifest is None or vectors_model(manifest.get("model", ""), manifest.get("numerics", "")) != model:
        return {}
    lines = (root / "entries.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [entry_from_dict(json.loads(line), str(root), n) for n, line in enumerate(lines, 1) if line.strip()]
    return _pair(entries, np.load(root / "vectors.npy"), model)


def _pair(entries: list[Any], vectors: np.ndarray, model: str) -> dict[tuple[str, str], np.ndarray]:
    from knowledge_base.engine.embcache import text_key
    from knowledge_base.engine.normalize import clean
    from knowledge_base.engine.search import entry_fields

    flat = [clean(t) for e in entries for t in entry_fields(e)]
    if len(flat) != len(vectors):  # an index layout this code does not know: use nothing rather than guess
        return {}
    return {(model, text_key(t)): vectors[i] for i, t in enumerate(flat)}
