"""Cross-validation of the whole calibration: fit on some categories, decide the others.

Calibration sees every dev query, so its own figures are in-sample. Here each fold's thresholds (fusion
weights, rule, answer gate, clarify threshold) are fitted without the fold's categories (paraphrases of
one entry, and the entries next to it, never sit on both sides) and decide only the fold's queries;
out-of-scope queries are spread over the folds. The pooled figures estimate unseen questions.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from knowledge_base.tuning.calibrate import Budget, calibrate
from knowledge_base.tuning.evaluate import Scored, Tally


def category_folds(scored: list[Scored], categories: list[str], k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cats = sorted({categories[s.gold] for s in scored if s.gold is not None})
    rng.shuffle(cats)
    fold_of = {c: i % k for i, c in enumerate(cats)}
    fold = np.array([fold_of[categories[s.gold]] if s.gold is not None else -1 for s in scored])
    loose = np.flatnonzero(fold < 0)
    fold[loose] = rng.permutation(len(loose)) % k
    return fold


def crossval(scored: list[Scored], categories: list[str], budget: Budget, k: int = 7, seed: int = 0,
             smaller: list[Any] | None = None) -> dict[str, Any]:
    """Pooled metrics; `smaller` (resample.Smaller, aligned with `scored`) are cut to each fold too."""
    fold = category_folds(scored, categories, k, seed)
    tally = Tally()
    for f in range(k):
        train = fold != f
        cut = [replace(sm, scored=[s for s, t in zip(sm.scored, train, strict=True) if t], kept=sm.kept[train])
               for sm in smaller or []]
        th = calibrate([s for s, t in zip(scored, train, strict=True) if t], budget, f"fold {f}", cut)
        for s, g in zip(scored, fold, strict=True):
            if g == f:
                tally.add(s, th)
    return tally.summary()
