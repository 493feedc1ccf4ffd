"""An answer threshold for one deployment, set on questions its own citizens asked (`recalibrate`).

The shipped threshold must hold on a corpus nobody tuned on, so it sits where the *worst* fit corpus
just keeps its near misses out (docs/knowledge-base.md): on most corpora the same answer gate could
answer two to five times as many questions at the same error rates, if one knew where that corpus's
near misses fall. A deployment learns that from use: the questions citizens asked, labelled by what
happened next (the option a citizen picked, the FAQ an agent sent after a handoff: in scope, that
entry; an agent's "not covered by the FAQ": out of scope). From enough of them this module sets the
corpus's own threshold, with a margin for having seen only a sample: with n labelled out-of-scope
questions, a new one lands above the k+1-th highest with probability (k+1)/(n+1), so k is the largest
count whose rate stays within the budget.

The budget is what the product's 3 % goal leaves: use labels only the questions the bot did *not*
answer directly (a citizen picked an option, an agent saw it), so the out-of-scope questions the shipped
threshold already answers — up to its own 2 % budget (transfer.Budgets) — are never seen; the newly
answered ones may add 1 % (USE_RATE), which takes about 100 labelled out-of-scope questions.
Measured by `python -m knowledge_base local-eval` (half of each corpus's questions labelled, the other
half scored).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_IN_SCOPE = 100     # labelled in-scope questions needed before the shipped threshold is replaced
USE_RATE = 0.01        # out-of-scope questions newly answered, expected (see above)
WRONG_RATE = 0.01      # in-scope questions answered with a wrong entry, among the labelled ones
# The most recent labelled questions of each kind re-asked per proposal: each is encoded (≈ 5 ms), and an
# editor waits for the answer; a thousand near misses already give k = 9 at 1 %.
MAX_LABELLED = 1000


@dataclass(frozen=True)
class Evidence:
    """The labelled questions as the index decides them: the answer gate's confidence (0 when the
    channels disagree, which is never answered), out of scope, and the best entry right."""

    p: np.ndarray
    ood: np.ndarray
    good: np.ndarray

    @property
    def n_in(self) -> int:
        return int((~self.ood).sum())

    @property
    def n_ood(self) -> int:
        return int(self.ood.sum())


@dataclass(frozen=True)
class LocalFit:
    threshold: float | None   # None: keep the shipped one (`reason` says why)
    reason: str
    n_in: int
    n_ood: int
    allowed_ood: int          # labelled out-of-scope questions allowed above the threshold
    shipped: float
    right_at_shipped: float   # shares of the labelled in-scope questions answered right
    right_at_local: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in dataclasses.asdict(self).items()}


def evidence(scored: list[Any], th: Any) -> Evidence:
    """`scored`: questions asked of one index, each with `.ch` (its channels) and `.gold` (Asked, or
    tuning.evaluate.Scored); `th` carries the index's profile."""
    if th.gate is None:
        raise ValueError("these thresholds have no answer gate to recalibrate")
    rows = []
    for s in scored:
        v = s.ch.decide(th, s.ch.fused(th))  # the decision search makes: its gate report says why
        p = v.gate.confidence if v.gate.agree >= v.gate.min_agree else 0.0
        rows.append((p, s.gold is None, s.gold is not None and s.ch.cand[v.order[0]] == s.gold))
    arr = np.array(rows, dtype=np.float64).reshape(len(rows), 3)
    return Evidence(arr[:, 0], arr[:, 1].astype(bool), arr[:, 2].astype(bool))


def allowed_out_of_scope(n_ood: int, rate: float = USE_RATE) -> int:
    """Largest k with (k+1)/(n+1) <= rate; -1 when even k = 0 exceeds it."""
    return int(np.floor(rate * (n_ood + 1) + 1e-9)) - 1


def min_out_of_scope(rate: float = USE_RATE) -> int:
    """Labelled out-of-scope questions needed for k = 0."""
    return int(np.ceil(1 / rate - 1 - 1e-9))


def local_answer_threshold(ev: Evidence, shipped: float, rate: float = USE_RATE) -> LocalFit:
    """`rate`: the expected share of unseen out-of-scope questions the new threshold may answer."""
    k = allowed_out_of_scope(ev.n_ood, rate)

    def result(t: float | None, reason: str) -> LocalFit:
        return LocalFit(t, reason, ev.n_in, ev.n_ood, max(k, 0), shipped, rates(ev, shipped)[0],
                        rates(ev, shipped if t is None else t)[0])

    if ev.n_in < MIN_IN_SCOPE or k < 0:
        return result(None, f"needs at least {MIN_IN_SCOPE} labelled in-scope and {min_out_of_scope(rate)} "
                      f"out-of-scope questions (has {ev.n_in} and {ev.n_ood})")
    # Candidate thresholds, lowest first: just above each labelled question's confidence, and the shipped
    # one. The highest candidate answers none of them (or is the shipped one, when all are 0), so one holds.
    for t in np.unique(np.r_[ev.p[ev.p > 0] + 1e-6, shipped]):
        answered = ev.p >= t
        if (answered & ev.ood).sum() <= k and (answered & ~ev.ood & ~ev.good).sum() <= WRONG_RATE * ev.n_in:
            break
    return result(float(t), "set on this deployment's labelled questions")


def rates(ev: Evidence, t: float) -> tuple[float, float, float]:
    """Answered at threshold `t`: right and wrong (shares of the in-scope questions), out of scope (share
    of the out-of-scope ones)."""
    a = ev.p >= t
    n_in, n_ood = max(ev.n_in, 1), max(ev.n_ood, 1)
    return (float((a & ev.good).sum() / n_in), float((a & ~ev.ood & ~ev.good).sum() / n_in),
            float((a & ev.ood).sum() / n_ood))


def with_threshold(th: Any, fit: LocalFit) -> Any:
    """`th` with the fitted threshold (unchanged when the fit kept the shipped one)."""
    return th if fit.threshold is None else th.with_answer_threshold(fit.threshold, fit.to_dict())


@dataclass(frozen=True)
class Asked:
    """One labelled question asked of an index: its channels, and its entry's index (None: out of scope)."""

    ch: Any
    gold: int | None


def propose(kb: Any, shipped: float, inside: list[tuple[str, str]], outside: list[str]) -> LocalFit:
    """The threshold for a live index from labelled questions (learning.labelled): encodes each one, so
    run it off the event loop. `shipped`: the threshold the index serves without one. In-scope questions
    whose entry the index no longer serves are left out; `inside` and `outside` oldest first."""
    index = {e.id: i for i, e in enumerate(kb.entries)}
    rows = [(q, index[i]) for q, i in inside if i in index][-MAX_LABELLED:] + \
        [(q, None) for q in outside][-MAX_LABELLED:]
    asked = [Asked(kb.channels(kb.analyzer.analyse(q)), gold) for q, gold in rows if q.strip()]
    return local_answer_threshold(evidence([a for a in asked if len(a.ch.cand)], kb.thresholds), shipped)
