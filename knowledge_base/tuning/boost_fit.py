"""Fit a gate's boosted trees (engine/boosted.py) with sklearn, and export them as flat node arrays.

Every tree is constrained to move the probability one way in each feature whose meaning is clear (a
higher score, lead or corpus-scale score never lowers confidence; more words no candidate covers never
raise it): a model fitted on some corpora then cannot learn a bump that only one corpus had.
"""

from __future__ import annotations

import numpy as np

from knowledge_base.engine.boosted import Trees

# +1: more of it never lowers P(right); -1: never raises it; 0: free.
DIRECTION = {"top": 1, "margin": 1, "margin3": 1, "dense_lead": 1, "unknown": -1, "missing": -1, "tokens": 0,
             "dense_top": 1, "lex_top": 0, "grams_top": 0, "ztop": 1, "zdense": 1, "zmargin": 1, "agree3": 1,
             "dense_rank": -1, "lex_rank": -1}
DEPTH, ROUNDS, RATE, MIN_LEAF = 2, 200, 0.05, 40


def fit_trees(X: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> Trees:
    from sklearn.ensemble import HistGradientBoostingClassifier

    m = HistGradientBoostingClassifier(max_depth=DEPTH, max_iter=ROUNDS, learning_rate=RATE,
                                       min_samples_leaf=MIN_LEAF, early_stopping=False, random_state=0,
                                       monotonic_cst=[DIRECTION[n] for n in names])
    m.fit(X, y.astype(int))
    return export(m)


def export(m: object) -> Trees:
    """The fitted model's trees, concatenated; child indices made absolute."""
    roots: list[int] = []
    feat: list[int] = []
    left: list[int] = []
    right: list[int] = []
    thr: list[float] = []
    value: list[float] = []
    for (pred,) in m._predictors:  # type: ignore[attr-defined]  # binary: one tree per round
        nodes, base = pred.nodes, len(feat)
        roots.append(base)
        leaf = nodes["is_leaf"].astype(bool)
        feat += [-1 if lf else int(f) for lf, f in zip(leaf, nodes["feature_idx"], strict=True)]
        thr += [float(t) for t in nodes["num_threshold"]]
        left += [base + int(i) if not lf else 0 for lf, i in zip(leaf, nodes["left"], strict=True)]
        right += [base + int(i) if not lf else 0 for lf, i in zip(leaf, nodes["right"], strict=True)]
        value += [float(v) if lf else 0.0 for lf, v in zip(leaf, nodes["value"], strict=True)]
    baseline = float(np.ravel(m._baseline_prediction)[0])  # type: ignore[attr-defined]
    return Trees(baseline, tuple(roots), tuple(feat), tuple(thr), tuple(left), tuple(right), tuple(value))
