"""Fitting the answer gate (gate.py): a ridge logistic regression whose probability threshold is set on
out-of-fold predictions, on the dev corpus and again on smaller corpora cut from it (resample.py).

Why smaller corpora: fitted on the 142-entry dev corpus alone, the gate answered ~1% of out-of-scope
questions there, but ~2% on 40-entry corpora made of a few of its categories: an off-topic question
meets fewer near neighbours, so its best match leads by more. The model is the same at every size; only
the threshold is set per size, each time within the same out-of-scope budget (docs/knowledge-base.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge_base.engine.gate import FEATURES, MIN_AGREE, AnswerGate, gate_input

L2 = 1.0               # ridge on standardised features; CV on the dev set was flat between 0.1 and 10
OOF_FOLDS, OOF_SEEDS = 5, 3
MIN_QUERIES = 40       # fewer labelled in-scope queries: keep the score/margin rule


@dataclass
class Rows:
    """One row per labelled query on one corpus: gate features and what a direct answer would be."""

    X: np.ndarray
    agree: np.ndarray
    good: np.ndarray     # in scope, best entry right
    wrong: np.ndarray    # in scope, best entry wrong
    ood: np.ndarray      # out of scope
    groups: np.ndarray   # gold entry, or one group per out-of-scope query: folds never split a group


def gate_rows(scored: list[Any], th: Any, groups: np.ndarray, use: np.ndarray | None = None) -> Rows:
    """Rows for evaluate.Scored queries (those with `use` and at least one candidate)."""
    X, agree, kind, keep = [], [], [], []
    for i, s in enumerate(scored):
        if (use is not None and not use[i]) or not len(s.ch.cand):
            continue
        fused = s.ch.fused(th)
        order = np.argsort(-fused, kind="stable")
        gi = gate_input(s.ch, fused, order)
        X.append(gi.x[: len(FEATURES)])  # the first ALL_FEATURES: what this fit uses
        agree.append(gi.agree)
        kind.append("ood" if s.gold is None else "good" if s.ch.cand[order[0]] == s.gold else "wrong")
        keep.append(i)
    k = np.array(kind, dtype=object)
    return Rows(np.array(X).reshape(len(X), len(FEATURES)), np.array(agree, np.int64), k == "good",
                k == "wrong", k == "ood", groups[np.array(keep, np.int64)])


def concat(rows: list[Rows]) -> Rows:
    return Rows(*(np.concatenate([getattr(r, f) for r in rows]) for f in ("X", "agree", "good", "wrong", "ood",
                                                                          "groups")))


def fit_logistic(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, scale, coefficients with the intercept first): ridge logistic regression by Newton steps."""
    mean = X.mean(0)
    scale = X.std(0)
    scale[scale < 1e-9] = 1.0  # a constant feature (e.g. absent from synthetic data) gets weight ~0
    Z = np.c_[np.ones(len(X)), (X - mean) / scale]
    b = np.zeros(Z.shape[1])
    ridge = L2 * np.eye(Z.shape[1])
    ridge[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-Z @ b))
        step = np.linalg.solve((Z * (p * (1 - p))[:, None]).T @ Z + ridge, Z.T @ (p - y) + ridge @ b)
        b -= step
        if np.abs(step).max() < 1e-8:
            break
    return mean, scale, b


def _predict(model: tuple[np.ndarray, np.ndarray, np.ndarray], X: np.ndarray) -> np.ndarray:
    mean, scale, b = model
    return 1.0 / (1.0 + np.exp(-(b[0] + ((X - mean) / scale) @ b[1:])))


def oof_probability(r: Rows, others: list[Rows]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Out-of-fold P(answer is right) for `r` and for the same queries on other corpora, averaged over
    OOF_SEEDS random splits of r's groups: a row is scored by a model fitted without its group (the
    paraphrases of its entry) on `r`."""
    y = r.good.astype(np.float64)
    out, outs = np.zeros(len(y)), [np.zeros(len(o.good)) for o in others]
    ids = np.unique(r.groups)
    for seed in range(OOF_SEEDS):
        fold_of = dict(zip(ids.tolist(), (np.random.default_rng(seed).permutation(len(ids)) % OOF_FOLDS).tolist(),
                           strict=True))
        fold = np.array([fold_of[g] for g in r.groups.tolist()])
        folds_o = [np.array([fold_of.get(g, -1) for g in o.groups.tolist()]) for o in others]
        for k in range(OOF_FOLDS):
            test = fold == k
            if not test.any() or test.all():
                continue
            model = fit_logistic(r.X[~test], y[~test])
            out[test] += _predict(model, r.X[test])
            for o, fo, po in zip(others, folds_o, outs, strict=True):
                po[fo == k] += _predict(model, o.X[fo == k])
    return out / OOF_SEEDS, [po / OOF_SEEDS for po in outs]


def pick_threshold(p: np.ndarray, r: Rows, wrong_budget: float, ood_budget: float) -> float:
    """Lowest probability threshold at which at most `wrong_budget` of the in-scope rows are answered
    wrongly and `ood_budget` of the out-of-scope rows answered; rows the channels disagree on never are.
    Above every probability when even the most confident answer is over."""
    p = np.where(r.agree >= MIN_AGREE, p, 0.0)
    order = np.argsort(-p, kind="stable")
    ok = (np.cumsum(r.wrong[order]) <= wrong_budget * (r.good | r.wrong).sum()) & \
        (np.cumsum(r.ood[order]) <= ood_budget * r.ood.sum())
    n = len(order) if ok.all() else int(np.argmin(ok))
    if n == 0:
        return float(p.max()) + 1e-6 if len(p) else 1.0
    if n == len(order):
        return float(p[order[-1]])
    return float((p[order[n - 1]] + p[order[n]]) / 2)


def _estimate(p: np.ndarray, r: Rows, threshold: float) -> tuple[float, ...]:
    ans = (r.agree >= MIN_AGREE) & (p >= threshold)
    n_in, n_ood = max(int((r.good | r.wrong).sum()), 1), max(int(r.ood.sum()), 1)
    return tuple(round(float(v), 4) for v in
                 ((ans & r.good).sum() / n_in, (ans & r.wrong).sum() / n_in, (ans & r.ood).sum() / n_ood))


def fit_gate(r: Rows, n_entries: int, smaller: list[tuple[int, Rows]], wrong_budget: float,
             ood_budget: float) -> AnswerGate | None:
    """The gate for the labelled rows of a corpus of `n_entries` entries, with its threshold set again
    on each (size, rows) of `smaller`; None when there is too little to fit on."""
    if (r.good | r.wrong).sum() < MIN_QUERIES or not r.good.any() or not (r.wrong | r.ood).any():
        return None
    p, ps = oof_probability(r, [o for _, o in smaller])
    threshold = pick_threshold(p, r, wrong_budget, ood_budget)
    # Smaller corpora only answer out-of-scope questions more readily; their in-scope mistakes are the
    # dev corpus's own (each counted once per corpus that kept its entry), so only the out-of-scope
    # budget sets their threshold.
    points = sorted([(n_entries, threshold)] + [(n, pick_threshold(po, o, 1.0, ood_budget))
                                               for (n, o), po in zip(smaller, ps, strict=True)])
    # A smaller corpus never gets a more lenient threshold than a larger one.
    size_thr = np.maximum.accumulate([t for _, t in points][::-1])[::-1]
    mean, scale, b = fit_logistic(r.X, r.good.astype(np.float64))
    return AnswerGate(tuple(map(float, mean)), tuple(map(float, scale)), tuple(map(float, b[1:])), float(b[0]),
                      threshold, tuple(map(float, r.X.min(0))), tuple(map(float, r.X.max(0))),
                      tuple(n for n, _ in points) if smaller else (), tuple(map(float, size_thr)) if smaller else (),
                      estimate=_estimate(p, r, threshold))
