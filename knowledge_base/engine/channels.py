"""One query's candidate entries with their per-channel scores, and the one decision rule over them that
search, evaluation, calibration and the labelled-use proposals share."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from knowledge_base.engine.gate import GateReport, gate_input
from knowledge_base.engine.thresholds import Decision, Thresholds

# Questions of at most this many words ("صلاحية تأميني", "اذن سفر للولد") are never told "not handled here"
# by a rule learned from use (the scope threshold's rise, the neighbours' "not ours" half): a short question
# is ambiguous rather than foreign, few labelled questions are short, and a learned rule spent its whole
# allowance on them (stop 30, docs/knowledge-base.md). They get the menu the shipped thresholds give.
SHORT_TOKENS = 3


@dataclass(frozen=True)
class Verdict:
    """Candidates best first, the lead of the best over the second, the decision, and the gates' reasons
    (None when the index has no such gate)."""

    order: np.ndarray
    margin: float
    decision: Decision
    gate: GateReport | None = None
    scope: GateReport | None = None
    near: str = ""  # decided by the deployment's labelled neighbours (engine/neighbours.py): "answer", "outside"


@dataclass(frozen=True)
class Channels:
    """Candidate entry indices and their dense, word-BM25 and char-gram-BM25 scores."""

    cand: np.ndarray
    dense: np.ndarray
    lex: np.ndarray
    grams: np.ndarray
    uncovered: np.ndarray
    unknown: float = 0.0    # part of `uncovered` due to words the corpus never uses (same for every entry)
    n_tokens: int = 0       # the query's BM25 tokens (the answer gate trusts longer questions more)
    n_entries: int = 0      # corpus size: a smaller corpus gets a stricter answer-gate threshold
    act_match: np.ndarray | None = None  # the query's and each entry's actions agree (actions.py)
    act_miss: np.ndarray | None = None   # both state actions and none agree
    q: np.ndarray | None = field(default=None, repr=False)  # the query's vector (labelled neighbours)
    small_talk: bool = False  # the query is small talk (query.AnalysedQuery.small_talk)

    def fused(self, th: Thresholds) -> np.ndarray:
        lex_weight = 1 - th.alpha - th.beta if th.gamma is None else th.gamma
        fused = th.alpha * self.dense + th.beta * self.grams + lex_weight * self.lex
        if th.delta:
            fused = fused - th.delta * self.uncovered
        if self.act_match is not None and self.act_miss is not None and (th.eta or th.theta):
            fused = fused + th.eta * self.act_match - th.theta * self.act_miss
        return fused

    def decide(self, th: Thresholds, fused: np.ndarray) -> Verdict:
        """The one decision rule that search, eval and calibrate share (the gates' inputs computed once)."""
        order = np.argsort(-fused, kind="stable")
        if not len(order):
            return Verdict(order, 0.0, th.decide(None, 0.0))
        margin = float(fused[order[0]] - fused[order[1]]) if len(order) > 1 else float(fused[order[0]])
        gi = gate_input(self, fused, order, th.profile) if th.gate is not None or th.scope is not None else None
        report = th.gate.report(gi) if th.gate is not None and gi is not None else None
        scope = th.scope.report(gi) if th.scope is not None and gi is not None else None
        if self.small_talk:  # "who will win the league?" shares a word with an entry, and is no question for it
            return Verdict(order, margin, "handoff", report, scope)
        short = self.n_tokens <= SHORT_TOKENS
        if scope is not None and short and th.scope_short is not None:
            scope = replace(scope, needed=min(scope.needed, th.scope_short))
        decision = th.decide(float(fused[order[0]]), margin, float(self.uncovered[order[0]]), report, scope)
        if decision != "answer" and th.neighbours is not None and report is not None:
            p = report.confidence if report.agree >= report.min_agree else 0.0
            near = th.neighbours.decide(self.q, p, menu=decision == "clarify" and not short)
            if near:
                return Verdict(order, margin, "answer" if near == "answer" else "handoff", report, scope, near=near)
        return Verdict(order, margin, decision, report, scope)
