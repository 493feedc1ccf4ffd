"""FAISS inner-product index over normalised field vectors.

Exact `IndexFlatIP` up to ANN_THRESHOLD vectors; past it, `IndexIVFFlat` (k-means on a sample, so a
rebuild after an edit stays within seconds; HNSW builds took ~90 s for 40k vectors on 2 shared cores).
`kind="hnsw"` remains available. Recall against flat is measured by bench/kb_bench.py. The raw vectors
are kept too, for exact rescoring of candidates. Searches run single-threaded: one query is too small
to gain from OpenMP and on a busy machine the thread hand-off costs more than it saves.
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

ANN_THRESHOLD = 10_000
IVF_POINTS_PER_LIST = 40      # k-means training sample per list (faiss default is 256)
IVF_NPROBE_SHARE = 0.08       # share of the lists visited per query
HNSW_M = 32
HNSW_EF_SEARCH = 128
HNSW_EF_CONSTRUCTION = 80


def make_index(vectors: np.ndarray, kind: str = "auto") -> faiss.Index:
    n, d = vectors.shape
    if kind == "auto":
        kind = "ivf" if n > ANN_THRESHOLD else "flat"
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    if kind == "flat":
        index: faiss.Index = faiss.IndexFlatIP(d)
    elif kind == "ivf":
        nlist = max(1, int(np.sqrt(n)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.max_points_per_centroid = IVF_POINTS_PER_LIST
        index.train(np.ascontiguousarray(vectors, dtype=np.float32))
        index.nprobe = max(1, int(nlist * IVF_NPROBE_SHARE))
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        raise ValueError(f"unknown index kind {kind!r} (flat, ivf, hnsw or auto)")
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    faiss.omp_set_num_threads(1)
    return index


def index_kind(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexHNSWFlat):
        return "hnsw"
    return "ivf" if isinstance(index, faiss.IndexIVF) else "flat"


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
        index = faiss.read_index(str(path / "dense.faiss"))
        faiss.omp_set_num_threads(1)
        return cls(vectors, index)
