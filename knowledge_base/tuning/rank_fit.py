"""Fusion weights by listwise ranking: P(entry) = softmax(TEMPERATURE x fused) over each question's
candidate pool, maximising the likelihood of the gold entry over labelled questions of several corpora.

fused = alpha x dense + beta x char-gram BM25 + gamma x word BM25 - delta x uncovered + eta x action match
- theta x action mismatch (actions.py). All six are fitted,
then scaled so that the dense weight is DENSE_WEIGHT (ranking does not depend on the scale; the
decision models' features do). Fitted on each
set of corpora leaving one out, the weights came out the same within ±0.03 and raised top-1 on the
left-out corpus every time (docs/knowledge-base.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.tuning.evaluate import Scored

DENSE_WEIGHT = 0.55
TEMPERATURE = 10.0
STEPS, RATE, L2 = 300, 0.05, 1e-3


def _features(s: Scored) -> np.ndarray:
    ch = s.ch
    zero = np.zeros(len(ch.cand))
    match = zero if ch.act_match is None else ch.act_match
    miss = zero if ch.act_miss is None else ch.act_miss
    return np.stack([ch.dense, ch.grams, ch.lex, -ch.uncovered, match, -miss], 1).astype(np.float64)


def fit_rank_weights(scored: list[Scored], start: Thresholds) -> Thresholds:
    """The weights (beta, gamma, delta) with the best listwise likelihood; questions whose gold entry is
    not in the candidate pool carry no signal and are skipped."""
    items = []
    for s in scored:
        if s.gold is None:
            continue
        hit = np.flatnonzero(s.ch.cand == s.gold)
        if hit.size:
            items.append((_features(s), int(hit[0])))
    w = np.array([DENSE_WEIGHT, start.beta, 1 - start.alpha - start.beta if start.gamma is None else start.gamma,
                  start.delta, start.eta, start.theta])
    for _ in range(STEPS if items else 0):
        grad = np.zeros(len(w))
        for F, gold in items:
            z = TEMPERATURE * (F @ w)
            p = np.exp(z - z.max())
            p /= p.sum()
            grad += TEMPERATURE * (p @ F - F[gold])
        w -= RATE * (grad / len(items) + L2 * w)
    if w[0] <= 1e-6:
        return start  # the dense channel would be ignored or reversed: not a fusion the gates can read
    w *= DENSE_WEIGHT / w[0]  # the ranking ignores the scale; the dense weight keeps the scores' scale
    return dataclasses.replace(start, alpha=DENSE_WEIGHT, beta=round(float(w[1]), 4),
                               gamma=round(float(w[2]), 4), delta=round(float(w[3]), 4),
                               eta=round(float(w[4]), 4), theta=round(float(w[5]), 4))
