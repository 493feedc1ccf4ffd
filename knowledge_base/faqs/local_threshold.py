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
answered ones may add 1 % (USE_RATE). A threshold is learned from an allowance of one (MIN_ALLOWED_OOD),
i.e. 199 labelled out-of-scope questions.
Measured by `python -m knowledge_base local-eval` (half of each corpus's questions labelled, the other
half scored).

The same labels set the corpus's **scope** threshold: below it a question the bot does not answer is told
plainly "not something we handle here" with the offer of a person, instead of three options. The shipped
one hands ≤ 4.5 % of in-scope questions to a person on the worst fit corpus, so on most corpora it shows
a menu to most near misses. Locally it rises until SCOPE_RATE of the labelled in-scope questions (those
the bot did not answer) would be told so; never below the shipped one.
Measured by `python -m knowledge_base.tuning.learn_eval --streams` (docs/knowledge-base.md, stop 28).
The labels' evidence is asked of the index by local_proposal.py.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge_base.engine.channels import SHORT_TOKENS
from knowledge_base.faqs import local_neighbours

MIN_IN_SCOPE = 100     # labelled in-scope questions needed before the shipped threshold is replaced
USE_RATE = 0.01        # out-of-scope questions newly answered, expected (see above)
WRONG_RATE = 0.01      # in-scope questions answered with a wrong entry, among the labelled ones
# Labelled in-scope questions the local scope threshold may send to a person: the largest of 2 / 1 / 0.5 %
# that hands <= 4.5 % of the frozen in-scope questions to a person on every fit corpus after one use stream
# (the shipped scope threshold's own budget); 2 % handed 4.9 % on commerce (docs/knowledge-base.md, stop 28).
SCOPE_RATE = 0.01
MIN_SCOPE_LABELS = 200  # labelled in-scope questions before the scope threshold or "not ours" is learned
# The allowance k of answered "not covered" labels needed before any threshold is learned, i.e. 199 of them
# at 1 %. With k = 0 (99 labels) the cut sits just above the highest labelled near miss: replayed the other
# way round (a corpus's frozen set lived, its use stream scored; docs/knowledge-base.md, stop 30) it answered
# 3.2-3.6 % of the stream's out-of-scope questions on three corpora of five, past the 3 % goal.
MIN_ALLOWED_OOD = 1


# The proposal's values that change what citizens are told; an editor applies them only as reviewed.
DECIDING = ("threshold", "scope_threshold", "near_threshold", "near_margin", "near_floor", "near_outside")


def is_number(v: Any) -> bool:
    """A deciding value as JSON may carry it (true and false are not numbers here)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return is_number(b) and abs(float(a) - float(b)) <= 1e-9


@dataclass(frozen=True)
class Evidence:
    """The labelled questions as the index decides them: the answer gate's confidence (0 when the
    channels disagree, which is never answered), out of scope, and the best entry right."""

    p: np.ndarray
    ood: np.ndarray
    good: np.ndarray
    scope: np.ndarray | None = None  # the scope gate's confidence; None: no scope threshold is set
    short: np.ndarray | None = None  # short questions (channels.SHORT_TOKENS): never told "not ours" locally

    @property
    def may_tell(self) -> np.ndarray:
        """The questions a learned rule may tell "not handled here" (not the short ones)."""
        return ~self.short if self.short is not None else np.ones(len(self.p), bool)

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
    scope_threshold: float | None = None  # None: the shipped scope threshold stays
    scope_shipped: float | None = None
    in_scope_told: float = 0.0      # shares told "not handled here" at the local thresholds: labelled
    out_of_scope_told: float = 0.0  # in-scope (handed to a person) and out-of-scope (no menu) questions
    near_threshold: float | None = None  # the labelled-neighbours rule (local_neighbours.py); None: not used
    near_margin: float | None = None
    near_floor: float | None = None      # the nearest labelled in-scope question's cosine it needs to answer
    right_at_near: float = 0.0           # labelled in-scope questions answered right with it (leave-one-out)
    near_outside: float | None = None    # its "not handled here" margin; None: menus stay
    in_scope_told_near: float = 0.0      # labelled questions it tells "not handled here" instead of a menu
    out_of_scope_told_near: float = 0.0
    # The labelled questions (in scope, out of scope) the rule compares with: served, never shown.
    labels: tuple[tuple[str, ...], tuple[str, ...]] = field(default=((), ()), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Shares rounded for reading; thresholds exact: one set just above a labelled question's
        confidence, rounded down, would answer it."""
        exact = {"threshold", "shipped", "scope_threshold", "scope_shipped", "near_threshold", "near_margin",
                 "near_floor", "near_outside"}
        d = dataclasses.asdict(dataclasses.replace(self, labels=((), ())))
        del d["labels"]
        return {k: round(v, 4) if isinstance(v, float) and k not in exact else v for k, v in d.items()}

    def changed(self, seen: dict[str, Any]) -> list[str]:
        """The deciding values (DECIDING) that differ from what an editor saw (absent counts as null): an
        apply must serve exactly what was reviewed, not a scope threshold or neighbours rule recomputed
        from labels that arrived in between."""
        now = self.to_dict()
        return [k for k in DECIDING if not _same(now[k], seen.get(k))]

    def record(self) -> dict[str, Any]:
        """What an editor applies: the figures, and the labelled questions when the neighbours rule is on."""
        d = self.to_dict()
        if self.near_threshold is not None or self.near_outside is not None:
            d["neighbours"] = {"inside": list(self.labels[0]), "outside": list(self.labels[1])}
        return d


def evidence(scored: list[Any], th: Any) -> Evidence:
    """`scored`: questions asked of one index, each with `.ch` (its channels) and `.gold` (local_proposal.Asked, or
    tuning.evaluate.Scored); `th` carries the index's profile."""
    if th.gate is None:
        raise ValueError("these thresholds have no answer gate to recalibrate")
    rows = []
    for s in scored:
        v = s.ch.decide(th, s.ch.fused(th))  # the decision search makes: its gate report says why
        p = v.gate.confidence if v.gate.agree >= v.gate.min_agree else 0.0
        rows.append((p, s.gold is None, s.gold is not None and s.ch.cand[v.order[0]] == s.gold,
                     v.scope.confidence if v.scope is not None else np.nan, s.ch.n_tokens <= SHORT_TOKENS))
    arr = np.array(rows, dtype=np.float64).reshape(len(rows), 5)
    scope = arr[:, 3] if th.scope is not None else None
    return Evidence(arr[:, 0], arr[:, 1].astype(bool), arr[:, 2].astype(bool), scope, arr[:, 4].astype(bool))


def scope_allowance(n_in: int, rate: float | None = None) -> int:
    """Labelled in-scope questions a learned "not handled here" may tell: floor(rate·n), from
    MIN_SCOPE_LABELS of them (-1 before: none, the shipped rule stays). With fewer, the k-th lowest of so
    few is too unsteady a cut: with ≈ 140 labels (k = 1), one draw in three handed 6 % of a later set to a
    person (docs/knowledge-base.md, stop 30)."""
    if n_in < MIN_SCOPE_LABELS:
        return -1
    return int(np.floor((SCOPE_RATE if rate is None else rate) * n_in + 1e-9))


def allowed_out_of_scope(n_ood: int, rate: float = USE_RATE) -> int:
    """Largest k with (k+1)/(n+1) <= rate; -1 when even k = 0 exceeds it."""
    return int(np.floor(rate * (n_ood + 1) + 1e-9)) - 1


def min_out_of_scope(rate: float = USE_RATE, k: int | None = None) -> int:
    """Labelled out-of-scope questions needed for an allowance of `k` (MIN_ALLOWED_OOD)."""
    return int(np.ceil(((MIN_ALLOWED_OOD if k is None else k) + 1) / rate - 1 - 1e-9))


def local_answer_threshold(ev: Evidence, shipped: float, rate: float = USE_RATE,
                           scope_shipped: float | None = None, min_allowed: int = MIN_ALLOWED_OOD) -> LocalFit:
    """`rate`: the expected share of unseen out-of-scope questions the new threshold may answer;
    `scope_shipped`: the index's scope threshold (with `ev.scope`, a local one is set too); `min_allowed`:
    the allowance k needed before any threshold is set."""
    k = allowed_out_of_scope(ev.n_ood, rate)

    def result(t: float | None, reason: str) -> LocalFit:
        fit = LocalFit(t, reason, ev.n_in, ev.n_ood, max(k, 0), shipped, rates(ev, shipped)[0],
                       rates(ev, shipped if t is None else t)[0])
        if t is None or ev.scope is None or scope_shipped is None:
            return fit
        ts = local_scope_threshold(ev, t, scope_shipped)
        told = (ev.p < t) & ((ev.scope < ts) & ev.may_tell | (ev.scope < scope_shipped))
        return dataclasses.replace(fit, scope_threshold=ts, scope_shipped=scope_shipped,
                                   in_scope_told=float((told & ~ev.ood).sum() / max(ev.n_in, 1)),
                                   out_of_scope_told=float((told & ev.ood).sum() / max(ev.n_ood, 1)))

    if ev.n_in < MIN_IN_SCOPE or k < max(min_allowed, 0):
        need = min_out_of_scope(rate, min_allowed)
        return result(None, f"needs at least {MIN_IN_SCOPE} labelled in-scope and {need} out-of-scope questions "
                      f"(has {ev.n_in} and {ev.n_ood})")
    # Candidate thresholds, lowest first: just above each labelled question's confidence, and the shipped
    # one. The highest candidate answers none of them (or is the shipped one, when all are 0), so one holds.
    for t in np.unique(np.r_[ev.p[ev.p > 0] + 1e-6, shipped]):
        answered = ev.p >= t
        if (answered & ev.ood).sum() <= k and (answered & ~ev.ood & ~ev.good).sum() <= WRONG_RATE * ev.n_in:
            break
    return result(float(t), "set on this deployment's labelled questions")


def local_scope_threshold(ev: Evidence, answer_t: float, shipped: float, rate: float | None = None) -> float:
    """The highest scope threshold that tells at most `rate` of the labelled in-scope questions (those
    not answered at `answer_t`) "not handled here"; never below `shipped`. Chosen counting the short ones
    too, which are then served `shipped` (Thresholds.scope_short): fewer are told than the rate allows."""
    assert ev.scope is not None
    below = np.sort(ev.scope[~ev.ood & (ev.p < answer_t)])
    k = scope_allowance(ev.n_in, rate)
    if k < 0 or len(below) <= k:
        return shipped
    return max(float(below[k]), shipped)  # exactly the k lowest (or fewer, on ties) fall below it


def rates(ev: Evidence, t: float) -> tuple[float, float, float]:
    """Answered at threshold `t`: right and wrong (shares of the in-scope questions), out of scope (share
    of the out-of-scope ones)."""
    a = ev.p >= t
    n_in, n_ood = max(ev.n_in, 1), max(ev.n_ood, 1)
    return (float((a & ev.good).sum() / n_in), float((a & ~ev.ood & ~ev.good).sum() / n_in),
            float((a & ev.ood).sum() / n_ood))


def applied_stale(applied: dict[str, Any] | None, fit: LocalFit) -> tuple[bool, bool]:
    """(answer, scope): whether the applied thresholds (a stored LocalFit record) break what the labels
    allow on the index served now. The proposal is the lowest answer threshold they allow, so one below it
    answers more labelled near misses than allowed (new marks, or accepted alternatives that moved near
    misses up); and the highest scope threshold, so one above it tells more labelled in-scope questions
    "not handled here" (new picks low on the scope gate, or a changed index)."""
    if applied is None or fit.threshold is None:
        return False, False
    answer = float(applied["threshold"]) < fit.threshold - 1e-4
    scope = applied.get("scope_threshold")
    return answer, scope is not None and fit.scope_threshold is not None and float(scope) > fit.scope_threshold + 1e-4


def near_stale(applied: dict[str, Any] | None, fit: LocalFit) -> bool:
    """Whether the applied labelled-neighbours rule is looser than what the labels support now: the
    proposal has no such rule, or asks a higher confidence, lead or nearest label's closeness to answer
    (a rule applied before there was a floor has none), or a larger lead to say "not ours" (new "not
    covered" marks near questions it answers, say). The applied rule keeps its own labels, so this is a
    hint to look again, not a proof."""
    if applied is None or fit.threshold is None:
        return False

    def looser(applied_key: str, proposed: float | None, unset: float | None = None) -> bool:
        value = applied.get(applied_key)
        value = unset if value is None else value
        return value is not None and (proposed is None or proposed > float(value) + 1e-9)

    # An answering rule applied without a floor (before stop 32) has the loosest one: any cosine. A
    # proposal without a floor has no answering rule, which the confidence already says.
    no_floor = -1.0 if applied.get("near_threshold") is not None else None
    answer = looser("near_threshold", fit.near_threshold) or looser("near_margin", fit.near_margin) \
        or (fit.near_floor is not None and looser("near_floor", fit.near_floor, no_floor))
    return answer or looser("near_outside", fit.near_outside)


def with_threshold(th: Any, fit: LocalFit) -> Any:
    """`th` with the fitted threshold (unchanged when the fit kept the shipped one)."""
    return th if fit.threshold is None else th.with_local(fit.to_dict())


def with_neighbours(fit: LocalFit, ev: Evidence, vectors: list[Any], texts: list[str]) -> LocalFit:
    """`fit` with the labelled-neighbours rule (local_neighbours.py) where it helps within the same budgets:
    answering more of the labelled questions right, telling labelled near misses "not handled here" rather
    than showing them a menu; `vectors`, `texts`: per row of `ev`."""
    if fit.threshold is None or not texts or any(v is None for v in vectors):
        return fit
    s_in, s_out = local_neighbours.nearest_without_self(np.stack(vectors), ev.ood)
    lead, close = s_in - s_out, s_in >= local_neighbours.FLOOR
    answered = ev.p >= fit.threshold
    picked = local_neighbours.choose(ev.p, ev.ood, ev.good, lead, answered, fit.allowed_ood, WRONG_RATE, close)
    if picked is not None:
        answered = answered | local_neighbours.answers(ev.p, lead, close, *picked)
        fit = dataclasses.replace(fit, near_threshold=picked[0], near_margin=picked[1],
                                  near_floor=local_neighbours.FLOOR,
                                  right_at_near=float((answered & ev.good).sum() / max(ev.n_in, 1)))
    if ev.scope is not None and fit.scope_threshold is not None:
        menu = ~answered & (ev.scope >= fit.scope_threshold)
        # short ones counted, as above
        m_out = local_neighbours.choose_outside(lead, menu, ev.ood, scope_allowance(ev.n_in))
        if m_out is not None:
            told = menu & (-lead >= m_out) & ev.may_tell
            fit = dataclasses.replace(fit, near_outside=m_out,
                                      in_scope_told_near=float((told & ~ev.ood).sum() / max(ev.n_in, 1)),
                                      out_of_scope_told_near=float((told & ev.ood).sum() / max(ev.n_ood, 1)))
    if fit.near_threshold is None and fit.near_outside is None:
        return fit
    labels = (tuple(q for q, o in zip(texts, ev.ood, strict=True) if not o),
              tuple(q for q, o in zip(texts, ev.ood, strict=True) if o))
    return dataclasses.replace(fit, labels=labels)
