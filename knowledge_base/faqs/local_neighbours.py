"""Choosing the labelled-neighbours rule (engine/neighbours.py) on a deployment's own labelled questions.

Each labelled question is asked as the next citizen's would be: without itself among the labels (and
without its own wording among the entry's alternatives, local_proposal._left_out). Of the grid below,
the (t, m) that answers the most labelled in-scope questions right is kept, if it answers more than the
local answer threshold alone, while all the labelled out-of-scope questions answered stay within the
threshold's own allowance k (so the 1 % expected on unseen near misses is shared, not doubled) and wrong
answers within WRONG_RATE of the labelled in-scope ones. Only questions whose nearest other in-scope
label reaches FLOOR count, as only those are answered when served: before stop 32, questions far from
every label were answered on a lead that says little there, and labelled near misses among them used up
the allowance and kept t high. For "not handled here" instead of a menu, the smallest margin m_out that
tells at most the scope threshold's own allowance (SCOPE_RATE) of the labelled in-scope questions so, if
it tells any labelled out-of-scope one.

Measured after one use stream on the five stranger corpora (`python -m knowledge_base.tuning.learn_eval
--streams`, column `with_neighbours`; docs/knowledge-base.md): the grid and the budgets were set on the
four fit corpora, the education corpus scored once.
"""

from __future__ import annotations

import numpy as np

TS = (0.95, 0.93, 0.9, 0.85, 0.8, 0.75, 0.7)   # the gate's confidence needed
MS = (0.05, 0.03, 0.02, 0.01, 0.0)             # the lead needed, in cosine
M_OUT = (0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.0)  # the lead of "not covered" that turns a menu into "not ours"
# The nearest labelled in-scope question's cosine a question needs before the rule may answer it: chosen on
# the four fit corpora's pooled folds (stop 32, docs/knowledge-base.md), not per deployment.
FLOOR = 0.92


def nearest_without_self(v: np.ndarray, ood: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per labelled question (rows of `v`, out of scope where `ood`): the nearest other in-scope label's
    cosine and the nearest other out-of-scope label's (-1 for a side with no other label); their difference
    is the question's lead."""

    def nearest(mask: np.ndarray) -> np.ndarray:
        if not mask.any():
            return np.full(len(v), -1.0)
        s = v @ v[mask].T
        own = np.flatnonzero(mask)
        s[own, np.arange(len(own))] = -1.0
        best: np.ndarray = s.max(1)
        return best

    return nearest(~ood), nearest(ood)


def answers(p: np.ndarray, lead: np.ndarray, close: np.ndarray, t: float, m: float) -> np.ndarray:
    """The labelled questions the rule (t, m) answers, as engine/neighbours.Neighbours.decide would."""
    out: np.ndarray = (p >= t) & (lead >= m) & close
    return out


def choose(p: np.ndarray, ood: np.ndarray, good: np.ndarray, lead: np.ndarray, base: np.ndarray,
           k: int, wrong_rate: float, close: np.ndarray) -> tuple[float, float] | None:
    """(t, m) with the most right answers among the labelled questions within the budgets; None when no
    pair answers more right than `base` (what the answer threshold alone answers). `close`: the questions
    whose nearest in-scope label reaches FLOOR, the only ones the rule may answer."""
    n_in = int((~ood).sum())
    best, right = None, int((base & good).sum())
    for t in TS:
        for m in MS:
            a = base | answers(p, lead, close, t, m)
            within = (a & ood).sum() <= k and (a & ~ood & ~good).sum() <= wrong_rate * n_in
            if within and (a & good).sum() > right:
                best, right = (t, m), int((a & good).sum())
    return best


def choose_outside(lead: np.ndarray, menu: np.ndarray, ood: np.ndarray, allowed: int) -> float | None:
    """The smallest m_out (most near misses told "not handled here") among the labelled questions shown a
    menu (`menu`) that tells at most `allowed` of the labelled in-scope ones (local_threshold.scope_allowance;
    below 0: none is chosen); None when it tells no labelled out-of-scope question."""
    best = None
    for m_out in M_OUT if allowed >= 0 else ():
        told = menu & (-lead >= m_out)
        if (told & ~ood).sum() > allowed:
            break
        if (told & ood).any():
            best = m_out
    return best
