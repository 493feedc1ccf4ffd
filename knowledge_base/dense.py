"""FAISS inner-product index over normalised field vectors.

Exact `IndexFlatIP` up to HNSW_THRESHOLD vectors; past it, `IndexHNSWFlat` (its recall against flat
is measured by bench/kb_bench.py). The raw vectors are kept too, for exact rescoring of candidates.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

HNSW_THRESHOLD = 20_000
HNSW_M = 32
HNSW_EF_SEARCH = 128
HNSW_EF_CONSTRUCTION = 80


def make_index(vectors: np.ndarray, kind: str = "auto") -> faiss.Index:
    n, d = vectors.shape
    if kind == "auto":
        kind = "hnsw" if n > HNSW_THRESHOLD else "flat"
    if kind == "flat":
        index: faiss.Index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index kind {kind!r} (flat, hnsw or auto)")
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def index_kind(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "flat"


class DenseIndex:
    def __init__(self, vectors: np.ndarray, index: faiss.Index | None = None, kind: str = "auto") -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.index = index if index is not None else make_index(self.vectors, kind)
        self.kind = index_kind(self.index)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (field ids, cosine scores); ids of -1 (HNSW underflow) are dropped."""
        k = min(k, len(self.vectors))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        scores, ids = self.index.search(q.reshape(1, -1).astype(np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def rescore(self, q: np.ndarray, field_ids: np.ndarray) -> np.ndarray:
        return self.vectors[field_ids] @ q.astype(np.float32)

    def save(self, path: Path) -> None:
        np.save(path / "vectors.npy", self.vectors)
        faiss.write_index(self.index, str(path / "dense.faiss"))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        vectors = np.load(path / "vectors.npy")
        return cls(vectors, faiss.read_index(str(path / "dense.faiss")))
