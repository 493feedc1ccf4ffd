"""Boosted-tree gates (engine/boosted.py, tuning/boost_fit.py): the exported node arrays give exactly
sklearn's probabilities, keep the monotone directions, and survive the thresholds JSON."""

from __future__ import annotations

import json

import numpy as np

from knowledge_base.engine.boosted import Trees
from knowledge_base.engine.gate import AnswerGate
from knowledge_base.engine.thresholds import Thresholds, default_thresholds
from knowledge_base.tuning.boost_fit import DEPTH, MIN_LEAF, RATE, ROUNDS, fit_trees

NAMES = ("top", "margin", "unknown")


def _data(n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.8 * X[:, 1] ** 2 - 0.5 * X[:, 2] + rng.normal(size=n) > 0.3).astype(float)
    return X, y


def test_exported_trees_give_sklearns_probabilities():
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = _data()
    trees = fit_trees(X, y, NAMES)
    ref = HistGradientBoostingClassifier(max_depth=DEPTH, max_iter=ROUNDS, learning_rate=RATE,
                                         min_samples_leaf=MIN_LEAF, early_stopping=False, random_state=0,
                                         monotonic_cst=[1, 1, -1]).fit(X, y.astype(int))
    Z = np.random.default_rng(1).normal(size=(200, 3))
    mine = 1 / (1 + np.exp(-trees.log_odds(Z)))
    assert np.abs(mine - ref.predict_proba(Z)[:, 1]).max() < 1e-9
    assert len(trees.roots) == ROUNDS


def test_probability_never_falls_as_the_score_rises_nor_rises_with_unknown_words():
    trees = fit_trees(*_data(), NAMES)
    grid = np.linspace(-3, 3, 61)
    up = trees.log_odds(np.column_stack([grid, np.zeros_like(grid), np.zeros_like(grid)]))
    down = trees.log_odds(np.column_stack([np.zeros_like(grid), np.zeros_like(grid), grid]))
    assert np.all(np.diff(up) >= -1e-12) and np.all(np.diff(down) <= 1e-12)
    assert up[-1] > up[0] and down[-1] < down[0]


def test_a_tree_gate_round_trips_through_the_thresholds_json():
    trees = fit_trees(*_data(), NAMES)
    gate = AnswerGate((), (), (), 0.0, 0.9, (-3.0,) * 3, (3.0,) * 3, features=NAMES, trees=trees)
    th = Thresholds(answer_gate=gate.to_dict())
    again = Thresholds.from_dict(json.loads(json.dumps(th.to_dict())))
    assert again.gate is not None and again.gate.trees == trees
    x = np.array([0.5, -0.2, 1.0])
    assert again.gate.probability(x) == gate.probability(x)
    # inputs beyond the fitted range are clipped, never extrapolated
    assert gate.probability(np.array([50.0, 0.0, 0.0])) == gate.probability(np.array([3.0, 0.0, 0.0]))
    assert Trees.from_dict(trees.to_dict()) == trees


def test_the_shipped_answer_gate_is_trees_and_reads_the_committed_features():
    gate = default_thresholds().gate
    assert gate is not None and gate.trees is not None
    assert len(gate.lower) == len(gate.features) and max(gate.trees.feature) < len(gate.features)
