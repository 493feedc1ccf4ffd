"""Answer gate: may the best candidate be answered directly, or should the user pick among the top 3?

The score/margin/uncovered rule of `Thresholds` answered ~20% of in-scope questions although the best
entry was right ~90% of the time: one fused score cannot tell "high because every channel found this
entry" from "high because one channel loves it". The gate looks at how the best entry won:

- `agree`: how many channels (dense, word BM25, char-gram BM25) rank it first on their own. Fewer than
  `MIN_AGREE` (a majority) never answers: when the channels disagree the choice is a coin flip.
- a model over FEATURES (`gate_input`): logistic, or boosted depth-2 trees (boosted.py), fitted on
  labelled in-scope and out-of-scope queries: P(the best entry is right and the question is in scope).
- a probability threshold set on out-of-fold predictions (models fitted without the query's gold
  entry), so the wrong answers it allows are those expected on unseen questions. Margins grow as a
  corpus shrinks (an off-topic question meets fewer near neighbours), so the threshold also depends on
  the corpus size: it was set again on smaller corpora cut from the dev corpus (gate_fit.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from knowledge_base.engine.boosted import Trees

FEATURES = ("top", "margin", "margin3", "dense_lead", "unknown", "missing", "tokens")
# Also available to a model: the best entry's own channel scores, and the score, dense score and lead
# placed on this corpus's scale (`z*`: 0 at the median of its near misses, 1 at the median of its own
# paraphrases; selfcal.Profile), which is what lets a model fitted on some corpora decide on another.
ALL_FEATURES = (*FEATURES, "dense_top", "lex_top", "grams_top", "ztop", "zdense", "zmargin", "agree3",
                "dense_rank", "lex_rank")
PROFILED = {"ztop": "top", "zdense": "dense_top", "zmargin": "margin"}
MIN_AGREE = 2


@dataclass(frozen=True)
class GateInput:
    x: np.ndarray        # ALL_FEATURES of the best candidate
    agree: int           # channels whose own best entry is the fused best
    n_entries: int = 0   # entries in the corpus


def on_corpus_scale(value: float, name: str, profile: dict[str, Any] | None) -> float:
    """0 at the corpus's near-miss median of `name`, 1 at its paraphrase median (0 without a profile)."""
    if not profile or name not in profile.get("inside", {}):
        return 0.0
    lo, hi = float(profile["outside"][name]), float(profile["inside"][name])
    return (value - lo) / max(hi - lo, 1e-3)


def gate_input(ch: Any, fused: np.ndarray, order: np.ndarray, profile: dict[str, Any] | None = None) -> GateInput:
    """Features of the fused best candidate `order[0]` (needs at least one candidate)."""
    t = order[0]
    margin = float(fused[t] - fused[order[1]]) if len(order) > 1 else float(fused[t])
    margin3 = float(fused[t] - fused[order[2]]) if len(order) > 2 else margin
    others = np.delete(ch.dense, t)
    dense_lead = float(ch.dense[t] - others.max()) if len(others) else float(ch.dense[t])
    unc = float(ch.uncovered[t])
    unknown = min(float(ch.unknown), unc)  # words no entry uses vs words only this entry lacks
    raw = {"top": float(fused[t]), "margin": margin, "dense_top": float(ch.dense[t])}
    # A lexical channel with nothing above zero has no opinion: it does not count as agreeing.
    agree = int(ch.dense[t] >= ch.dense.max()) + sum(
        int(c[t] > 0 and c[t] >= c.max()) for c in (ch.lex, ch.grams))
    dense_rank = min(int((ch.dense > ch.dense[t]).sum()), 3)
    lex_rank = min(int((ch.lex > ch.lex[t]).sum()), 3) if ch.lex[t] > 0 else 3
    x = np.array([fused[t], margin, margin3, dense_lead, unknown, unc - unknown, ch.n_tokens,
                  ch.dense[t], ch.lex[t], ch.grams[t],
                  *(on_corpus_scale(raw[src], src, profile) for src in PROFILED.values()),
                  agree == 3, dense_rank, lex_rank], np.float64)
    return GateInput(x, agree, int(ch.n_entries))


@dataclass(frozen=True)
class GateReport:
    """Why the best entry was or was not answered directly (the editor's "try a question" shows it)."""
    agree: int          # channels ranking the best entry first
    min_agree: int      # needed
    confidence: float   # the model's probability that the answer is right
    needed: float       # the threshold for this corpus size

    @property
    def accepted(self) -> bool:
        return self.agree >= self.min_agree and self.confidence >= self.needed


@dataclass(frozen=True)
class AnswerGate:
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float                 # on the probability, for a corpus of the dev corpus's size
    lower: tuple[float, ...] = ()    # range of each feature in the fit: inputs are clipped to it, so a
    upper: tuple[float, ...] = ()    # long query or an odd score is never extrapolated beyond it
    sizes: tuple[int, ...] = ()      # corpus sizes (ascending) and the threshold set for each: smaller
    size_thresholds: tuple[float, ...] = ()  # corpora need a stricter one
    min_agree: int = MIN_AGREE
    features: tuple[str, ...] = FEATURES
    # out-of-fold shares on the dev corpus at `threshold`: in-scope answered right, in-scope answered
    # wrong, out-of-scope answered (what the fit expects on unseen questions)
    estimate: tuple[float, ...] = ()
    trees: Trees | None = None       # boosted trees replace the logistic model (mean..bias unused)

    def probability(self, x: np.ndarray) -> float:
        """P(right) for a full ALL_FEATURES vector (or one already cut to this model's features)."""
        if len(x) != len(self.features):
            x = x[[ALL_FEATURES.index(f) for f in self.features]]
        if self.lower:
            x = np.clip(x, self.lower, self.upper)
        if self.trees is not None:
            return self.trees.probability(x)
        z = self.bias + float(np.dot(self.weights, (x - np.asarray(self.mean)) / np.asarray(self.scale)))
        return float(1.0 / (1.0 + np.exp(-z)))

    def threshold_for(self, n_entries: int) -> float:
        """Interpolated in log(size) between the fitted sizes; beyond them, the nearest one's (a larger
        corpus is denser, so the dev corpus's threshold stays on the safe side)."""
        if not self.sizes or n_entries <= 0:
            return self.threshold
        return float(np.interp(np.log(n_entries), np.log(self.sizes), self.size_thresholds))

    def accepts(self, gi: GateInput) -> bool:
        return self.report(gi).accepted

    def report(self, gi: GateInput) -> GateReport:
        return GateReport(gi.agree, self.min_agree, self.probability(gi.x), self.threshold_for(gi.n_entries))

    def to_dict(self) -> dict[str, Any]:
        """JSON-native (lists), so thresholds compare equal after a manifest round trip."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "trees"}
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}
        return {**out, "trees": self.trees.to_dict()} if self.trees is not None else out

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> AnswerGate | None:
        """None (use the score/margin rule) when absent or fitted on other features than this code's."""
        if not d or not d.get("features") or not set(d["features"]) <= set(ALL_FEATURES):
            return None
        tup = {k: tuple(d.get(k, ())) for k in ("lower", "upper", "sizes", "size_thresholds", "estimate")}
        trees = Trees.from_dict(d["trees"]) if d.get("trees") else None
        return cls(tuple(d["mean"]), tuple(d["scale"]), tuple(d["weights"]), float(d["bias"]),
                   float(d["threshold"]), min_agree=int(d.get("min_agree", MIN_AGREE)),
                   features=tuple(d["features"]), trees=trees, **tup)

    @property
    def profiled(self) -> bool:
        """Does the model read corpus-scale features (the index must carry a selfcal profile)?"""
        return any(f in PROFILED for f in self.features)
