"""Group unanswered questions by meaning so an editor sees "37 people asked about X" once.

Texts are embedded with the bot's own encoder (query side, cached in Redis so a page load re-encodes
only new questions) and grouped by average-linkage agglomerative clustering on cosine distance: a
cluster holds questions whose mean similarity stays above ``threshold``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from knowledge_base.engine.embcache import EmbeddingCache, text_key, vectors_model
from knowledge_base.engine.encoders import numerics_of
from knowledge_base.engine.normalize import clean
from knowledge_base.faqs.unanswered import UnansweredRecord

# Chosen on a small hand-made set of Arabic paraphrase groups (docs/editing.md): best adjusted Rand
# index there (0.54); lower values merged unrelated topics, which costs an editor more than a split.
DEFAULT_THRESHOLD = 0.86
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Cluster:
    id: str
    count: int
    question: str  # the medoid: the member closest to all others
    examples: tuple[str, ...]
    record_ids: tuple[str, ...]
    reasons: dict[str, int]
    conversation_ids: tuple[str, ...]
    near_entries: tuple[str, ...]  # entries the bot half-matched for these questions
    latest_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "count": self.count, "question": self.question, "examples": list(self.examples),
            "record_ids": list(self.record_ids), "reasons": self.reasons,
            "conversation_ids": list(self.conversation_ids), "near_entries": list(self.near_entries),
            "latest_at": self.latest_at,
            "draft": {"question": self.question, "alternatives": [e for e in self.examples if e != self.question]},
        }


def embed(texts: list[str], encoder: Any, cache: EmbeddingCache | None) -> np.ndarray:
    """Query-side vectors for ``texts`` (L2-normalised), reusing cached ones."""
    model = vectors_model(f"{encoder.name}:query", numerics_of(encoder))
    keys = [text_key(t) for t in texts]
    have = cache.get_many(model, sorted(set(keys))) if cache is not None else {}
    missing = list(dict.fromkeys(k for k, _ in zip(keys, texts, strict=True) if k not in have))
    by_key = dict(zip(keys, texts, strict=True))
    if missing:
        vecs = encoder.encode_queries([by_key[k] for k in missing])
        new = dict(zip(missing, vecs, strict=True))
        if cache is not None:
            cache.put_many(model, new)
        have.update(new)
    if not keys:
        return np.zeros((0, int(encoder.dim)), np.float32)
    return np.stack([have[k] for k in keys]).astype(np.float32)


def labels_for(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Cluster label per row; rows closer than ``threshold`` on average end up together."""
    if len(vectors) == 1:
        return np.array([1])
    sims = np.clip(vectors @ vectors.T, -1.0, 1.0)
    dist = 1.0 - sims[np.triu_indices(len(vectors), k=1)]
    tree = linkage(np.maximum(dist, 0.0), method="average")
    return fcluster(tree, t=1.0 - threshold, criterion="distance")


def central_order(members: list[int], records: list[UnansweredRecord], sims: np.ndarray) -> list[int]:
    """One member per distinct text, most central first (highest mean similarity to the other distinct
    texts): ten copies of one message must not make it the title of everything around it."""
    distinct = list({records[i].text: i for i in reversed(members)}.values())[::-1]
    sub = sims[np.ix_(distinct, distinct)]
    return [distinct[i] for i in np.argsort(-sub.mean(axis=1), kind="stable")]


def _make(members: list[int], records: list[UnansweredRecord], sims: np.ndarray) -> Cluster:
    order = central_order(members, records, sims)
    examples = [records[i].text for i in order][:MAX_EXAMPLES]
    near = Counter(c for i in members for c in records[i].candidates[:1])
    group = [records[i] for i in members]
    return Cluster(
        id=min(r.id for r in group),
        count=len(members),
        question=records[order[0]].text,
        examples=tuple(examples),
        record_ids=tuple(r.id for r in group),
        reasons=dict(Counter(r.reason for r in group)),
        conversation_ids=tuple(dict.fromkeys(r.conversation_id for r in group if r.conversation_id)),
        near_entries=tuple(c for c, _ in near.most_common(3)),
        latest_at=max(r.at for r in group),
    )


def cluster_records(
    records: list[UnansweredRecord], encoder: Any, cache: EmbeddingCache | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Cluster]:
    """Clusters of ``records``, biggest (then most recent) first."""
    if not records:
        return []
    vectors = embed([clean(r.text) for r in records], encoder, cache)
    labels = labels_for(vectors, threshold)
    sims = vectors @ vectors.T
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    clusters = [_make(m, records, sims) for m in groups.values()]
    return sorted(clusters, key=lambda c: (-c.count, c.latest_at), reverse=False)
