"""Fit the fusion weights and decision thresholds on labelled in-scope + out-of-scope queries.

1. Fusion weights (`alpha` dense, `beta` char-grams): the pair with the best ranking (mean reciprocal
   rank of the gold entry).
2. Score/margin rule (score, margin, uncovered share), lexicographically: confident wrong answers first
   (in-scope answered with a wrong entry, out-of-scope answered) kept within `wrong_budget` /
   `ood_budget`, by default 0, i.e. the minimum; then the most direct correct answers. Cross-validation
   on the dev set (fit on half the categories, test on the rest) showed that any slack allowed in-sample
   roughly triples on unseen queries, hence the zero default. Still used by callers without the gate's
   input (follow-up reranking) and when the gate cannot be fitted.
3. Answer gate (gate.py, gate_fit.py), which replaces the rule of step 2 in search: a logistic model
   over how the best entry won (margins, dense lead, words the entry lacks, query length) behind a
   channel-agreement condition. Its probability threshold is set on out-of-fold predictions (folds by
   gold entry) within `oof_wrong_budget` / `oof_ood_budget`: those are already the rates expected on
   unseen queries, so they need not be zero like the in-sample budgets of step 2; and again, out of
   fold too, on `smaller` corpora cut from the index (stricter for smaller corpora). Cross-validated by
   category on the dev set (`python -m knowledge_base cv`), the gate answered 34% of in-scope
   questions directly with the right entry where the rule answered 19%, with 0.13% wrong (rule 0.26%)
   and 0.5% of out-of-scope questions answered (rule 1.0%).
4. Clarify threshold: maximises self-service minus `ood_clarify_cost` x out-of-scope queries that
   were not handed off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge_base.engine.gate import AnswerGate
from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.tuning.evaluate import Scored, gate_of, rank
from knowledge_base.tuning.gate_fit import concat, fit_gate, gate_rows

ALPHAS = tuple(round(a, 2) for a in np.linspace(0.3, 0.95, 14))
BETAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
UNCOVERED = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Budget:
    wrong_budget: float = 0.0
    ood_budget: float = 0.0
    ood_clarify_cost: float = 0.25
    oof_wrong_budget: float = 0.003   # answer gate, out of fold: ~2 of the dev set's 766 in-scope queries
    oof_ood_budget: float = 0.01      # answer gate, out of fold: ~2 of its 206 out-of-scope queries
    gate: bool = True                 # False: the score/margin rule only, as before the gate


def _arrays(scored: list[Scored], th: Thresholds) -> dict[str, np.ndarray]:
    tops, margins, hit1, hit3, unc = [], [], [], [], []
    for s in scored:
        ranked, top, margin, u = rank(s, th)
        tops.append(top)
        margins.append(margin)
        unc.append(u)
        hit1.append(len(ranked) > 0 and ranked[0] == s.gold)
        hit3.append(s.gold is not None and s.gold in ranked[:3])
    ood = np.array([s.gold is None for s in scored])
    return {"top": np.array(tops), "margin": np.array(margins), "hit1": np.array(hit1, bool),
            "hit3": np.array(hit3, bool), "ood": ood, "unc": np.array(unc)}


def _fit_answer(a: dict[str, np.ndarray], b: Budget) -> tuple[float, float, float, int]:
    """(answer_score, answer_margin, answer_max_uncovered, correct answers) within the budgets."""
    ins, ood = ~a["ood"], a["ood"]
    n_in, n_ood = max(int(ins.sum()), 1), max(int(ood.sum()), 1)
    scores = np.unique(np.quantile(a["top"], np.linspace(0.0, 1.0, 101)))
    margins = np.unique(np.concatenate([[0.0], np.quantile(a["margin"], np.linspace(0.0, 0.7, 36))]))
    best = (float(a["top"].max()) + 1e-6, 1.0, 1.0, -1, 0)  # nothing answered
    for u in UNCOVERED:
        ok_u = a["unc"] <= u
        for m in margins:
            ok = ok_u & (a["margin"] >= m)
            for s in scores:
                ans = ok & (a["top"] >= s)
                wrong = int((ans & ins & ~a["hit1"]).sum())
                if wrong > b.wrong_budget * n_in or (ans & ood).sum() > b.ood_budget * n_ood:
                    continue
                correct = int((ans & ins & a["hit1"]).sum())
                if (correct, -wrong) > (best[3], -best[4]):
                    best = (float(s), float(m), float(u), correct, wrong)
    return best[0], best[1], best[2], best[3]


def _fit_clarify(a: dict[str, np.ndarray], answered: np.ndarray, s_ans: float, b: Budget) -> tuple[float, float]:
    ins, ood = ~a["ood"], a["ood"]
    n_in, n_ood = max(int(ins.sum()), 1), max(int(ood.sum()), 1)
    best = (s_ans, -1e9)
    for c in np.unique(np.concatenate([np.quantile(a["top"], np.linspace(0, 1, 201)), [s_ans]])):
        if c > s_ans:
            continue
        ans = answered & (a["top"] >= c)  # the gate never answers below the clarify threshold
        clar = ~ans & (a["top"] >= c)
        ss = ((ans & a["hit1"]) | (clar & a["hit3"])) & ins
        ood_served = (ans | clar) & ood
        j = ss.sum() / n_in - b.ood_clarify_cost * ood_served.sum() / n_ood
        if j > best[1] + 1e-12:
            best = (float(c), float(j))
    return best


def _ranking_quality(scored: list[Scored], th: Thresholds) -> float:
    """Mean reciprocal rank of the gold entry over in-scope queries (0 when absent from the pool)."""
    rr = []
    for s in scored:
        if s.gold is None:
            continue
        ranked, _, _, _ = rank(s, th)
        hit = np.flatnonzero(ranked == s.gold)
        rr.append(1.0 / (1 + hit[0]) if hit.size else 0.0)
    return float(np.mean(rr)) if rr else 0.0


def _fit_gate(scored: list[Scored], w: Thresholds, b: Budget, smaller: list[Any]) -> AnswerGate | None:
    groups = np.array([-1 - i if s.gold is None else s.gold for i, s in enumerate(scored)], np.int64)
    n_entries = max((int(s.ch.n_entries) for s in scored), default=0)
    small = []
    for share in sorted({sm.share for sm in smaller}):
        same = [sm for sm in smaller if sm.share == share]
        small.append((round(float(np.mean([sm.n_entries for sm in same]))),
                      concat([gate_rows(sm.scored, w, groups, sm.kept) for sm in same])))
    return fit_gate(gate_rows(scored, w, groups), n_entries, small, b.oof_wrong_budget, b.oof_ood_budget)


def fit_weights(scored: list[Scored]) -> Thresholds:
    """Fusion weights with the best ranking (MRR); the decision thresholds are fitted afterwards."""
    grid = [Thresholds(alpha=float(al), beta=be) for al in ALPHAS for be in BETAS if al + be <= 1.0]
    return max(grid, key=lambda th: _ranking_quality(scored, th))


def calibrate(scored: list[Scored], budget: Budget | None = None, label: str = "dev set",
              smaller: list[Any] | None = None) -> Thresholds:
    """`smaller`: resample.Smaller corpora cut from the same index (the gate's threshold per size)."""
    b = budget or Budget()
    w = fit_weights(scored)
    a = _arrays(scored, w)
    s_ans, m_ans, u_ans, _ = _fit_answer(a, b)
    answered = (a["top"] >= s_ans) & (a["margin"] >= m_ans) & (a["unc"] <= u_ans)
    gate = _fit_gate(scored, w, b, smaller or []) if b.gate else None
    if gate is not None:
        answered = np.array([g is not None and gate.accepts(g) for g in (gate_of(s, w) for s in scored)], bool)
    c, _ = _fit_clarify(a, answered, s_ans, b)
    return Thresholds(alpha=w.alpha, beta=w.beta, answer_score=s_ans, answer_margin=m_ans,
                      clarify_score=c, answer_max_uncovered=u_ans, fitted_on=label,
                      answer_gate=gate.to_dict() if gate else None)
