from __future__ import annotations

import numpy as np

from knowledge_base.engine.channels import Channels
from knowledge_base.tuning.calibrate import Budget, calibrate
from knowledge_base.tuning.evaluate import Scored, metrics


def _scored(rng, n_in=300, n_ood=150) -> list[Scored]:
    """Synthetic pools: in-scope queries rank gold first with a clear lead most of the time,
    out-of-scope queries get lower, flatter scores."""
    out = []
    for i in range(n_in + n_ood):
        cand = np.arange(20)
        dense = rng.normal(0.5, 0.3, 20)
        lex = rng.uniform(0.0, 0.3, 20)
        gold = None
        if i < n_in:
            gold = int(rng.integers(20))
            if rng.random() < 0.85:
                dense[gold] += rng.uniform(0.8, 2.0)
                lex[gold] += 0.5
        uncovered = rng.uniform(0.0, 0.4, 20) if gold is not None else rng.uniform(0.3, 1.0, 20)
        out.append(Scored(f"q{i}", gold, "msa" if gold is not None else "chitchat",
                          Channels(cand, dense, lex, lex.copy(), uncovered)))
    return out


def test_fit_respects_the_wrong_answer_budgets_and_still_answers():
    rng = np.random.default_rng(7)
    scored = _scored(rng)
    th = calibrate(scored, Budget(wrong_budget=0.01, ood_budget=0.02))
    m = metrics(scored, th)
    assert m["wrong_answer_rate"] <= 0.01
    assert m["ood_answered_rate"] <= 0.02
    assert m["decisions"]["answer"] > 100  # it did not buy safety by never answering
    assert th.clarify_score <= th.answer_score
    assert m["self_service"] >= m["decisions"]["answer"] / m["in_scope"] - m["wrong_answer_rate"]


def test_metrics_count_decisions_per_style_and_kind():
    rng = np.random.default_rng(1)
    scored = _scored(rng, 40, 10)
    m = metrics(scored, calibrate(scored))
    assert m["in_scope"] == 40 and m["ood"] == 10
    assert set(m["per_style"]) == {"msa"} and set(m["per_ood_kind"]) == {"chitchat"}
    assert sum(m["decisions"].values()) == 40 and sum(m["ood_decisions"].values()) == 10
    for key in ("top1", "top3", "self_service", "wrong_answer_rate", "ood_answered_rate"):
        assert 0.0 <= m[key] <= 1.0
