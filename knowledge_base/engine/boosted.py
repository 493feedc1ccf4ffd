"""Boosted shallow trees for a gate's probability, evaluated with numpy alone (no sklearn at run time).

A logistic gate draws one straight boundary through features whose meaning bends: a high fused score
is reassuring when the lead over the second entry is large, and much less so when two near-twins tie.
Depth-2 trees, each increasing in the "confidence" features and decreasing in the "words nobody
covers" ones (monotonic constraints, `tuning/boost_fit.py`), capture those bends without learning
a corpus's quirks. The trees are stored as flat node arrays in the thresholds JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_NODES = ("roots", "feature", "threshold", "left", "right", "value")


@dataclass(frozen=True)
class Trees:
    baseline: float                # log-odds before any tree
    roots: tuple[int, ...]         # first node of each tree in the flat arrays
    feature: tuple[int, ...]       # column of the gate's features tested at a node; -1 at a leaf
    threshold: tuple[float, ...]   # x[feature] <= threshold goes left
    left: tuple[int, ...]          # flat indices of the children
    right: tuple[int, ...]
    value: tuple[float, ...]       # a leaf's log-odds contribution
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def _a(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            self._arrays[name] = np.asarray(getattr(self, name))
        return self._arrays[name]

    def log_odds(self, X: np.ndarray) -> np.ndarray:
        """Rows of X (n, features) → summed log-odds (n,)."""
        X = np.atleast_2d(np.asarray(X, np.float64))
        feat, thr, left, right = self._a("feature"), self._a("threshold"), self._a("left"), self._a("right")
        node = np.broadcast_to(self._a("roots"), (len(X), len(self.roots))).copy()
        rows = np.arange(len(X))[:, None]
        while True:
            f = feat[node]
            inner = f >= 0
            if not inner.any():
                break
            go_left = X[rows, np.where(inner, f, 0)] <= thr[node]
            node = np.where(inner, np.where(go_left, left[node], right[node]), node)
        return np.asarray(self.baseline + self._a("value")[node].sum(axis=1), np.float64)

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.log_odds(X))), np.float64)

    def probability(self, x: np.ndarray) -> float:
        return float(self.probabilities(x)[0])

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, **{k: list(getattr(self, k)) for k in _NODES}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Trees:
        return cls(float(d["baseline"]), tuple(map(int, d["roots"])), tuple(map(int, d["feature"])),
                   tuple(map(float, d["threshold"])), tuple(map(int, d["left"])), tuple(map(int, d["right"])),
                   tuple(map(float, d["value"])))
