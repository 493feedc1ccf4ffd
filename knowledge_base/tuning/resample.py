"""Smaller corpora cut from an index, to set the answer gate's threshold per corpus size (gate_fit.py).

Each keeps a share of the categories (an agency's corpus is a few topics with their sibling entries;
single entries when there are too few categories) and reuses the index's own vectors, so nothing is
encoded again. The labelled queries are scored again on it: a question whose entry was dropped is left
out (its topic may survive in a sibling of another category, so it is neither right nor clearly out of
scope); out-of-scope questions stay out of scope.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge_base.engine.dense import DenseIndex
from knowledge_base.tuning.evaluate import Scored

SHARES = (0.3, 0.5, 0.7)   # of the categories kept: ~40, ~70 and ~100 of the dev corpus's 142 entries
DRAWS = 3                  # corpora per share: the threshold rests on a few confident mistakes, pool them
MIN_CATEGORIES = 5


@dataclass
class Smaller:
    share: float
    n_entries: int
    scored: list[Scored]   # aligned with the full corpus's list; gold re-indexed
    kept: np.ndarray       # False where the query's entry was dropped (left out of the fit)
    entries: np.ndarray    # the full index's entries kept, in the smaller corpus's order


def keep_mask(categories: list[str], share: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cats = sorted(set(categories))
    if len(cats) < MIN_CATEGORIES:
        return rng.random(len(categories)) < share
    chosen = rng.choice(cats, max(1, round(share * len(cats))), replace=False)
    return np.isin(np.array(categories, dtype=object), chosen)


def sub_index(kb: Any, keep: np.ndarray) -> Any:
    """The index of the kept entries, built from `kb`'s vectors (fields are contiguous per entry)."""
    from knowledge_base.engine.search import KnowledgeBase

    idx = np.flatnonzero(keep)
    fields = np.concatenate([np.arange(kb.offsets[i], kb.qa_field[i] + 1) for i in idx])
    sub = KnowledgeBase([kb.entries[i] for i in idx], DenseIndex(kb.dense.vectors[fields], kind="flat"),
                        kb.encoder, kb.thresholds, kb.norm, kb.meta)
    sub._qcache = OrderedDict(kb._qcache)  # the labelled queries were just encoded for `kb`
    return sub


def smaller_corpora(kb: Any, scored: list[Scored], shares: tuple[float, ...] = SHARES) -> list[Smaller]:
    out = []
    for seed, share in enumerate(s for s in shares for _ in range(DRAWS)):
        keep = keep_mask([e.category for e in kb.entries], share, seed)
        if keep.sum() < 3 or keep.all():
            continue
        sub = sub_index(kb, keep)
        new_index = np.cumsum(keep) - 1
        rows, kept = [], []
        for s in scored:
            in_sub = s.gold is None or bool(keep[s.gold])
            gold = None if s.gold is None else int(new_index[s.gold]) if in_sub else None
            rows.append(Scored(s.q, gold, s.label, sub.channels(sub.analyzer.analyse(s.q)) if in_sub else s.ch))
            kept.append(in_sub)
        out.append(Smaller(share, len(sub.entries), rows, np.array(kept), np.flatnonzero(keep)))
    return out
