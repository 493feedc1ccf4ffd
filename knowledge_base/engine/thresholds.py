"""Fusion weights and decision thresholds: fitted by `calibrate`, stored with every index.

fused = alpha * dense + beta * char-gram BM25 + gamma * word BM25 - delta * uncovered (see search.py;
gamma defaults to 1 - alpha - beta, delta to 0: the weights `calibrate` fits; `transfer` fits all four
by listwise ranking over several corpora, rank_fit.py).
Decision on the fused score of the best candidate (`top`) and its lead over the second (`margin`):
answer  when top >= answer_score and margin >= answer_margin and the best entry's texts contain enough
        of the query's words (`uncovered`, IDF-weighted share of query words absent from the entry,
        <= answer_max_uncovered: "a visa for Umrah" shares "visa fee" with an entry but not "Umrah");
clarify when top >= clarify_score (the first three candidates are offered);
handoff otherwise.
With a fitted `answer_gate` (gate.py: channel agreement + a logistic model, fitted out-of-fold) the gate
replaces the score/margin/uncovered rule whenever the caller passes its `GateReport` on the best candidate;
the rule stays fitted for callers without one (follow-up reranking) and for manifests written before
the gate existed.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # gate.py needs numpy; the CLI's cheap commands import this module without it
    from knowledge_base.engine.gate import AnswerGate, GateReport
    from knowledge_base.engine.neighbours import Neighbours

Decision = Literal["answer", "clarify", "handoff"]
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "default_thresholds.json"
_WARNED: set[str] = set()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Thresholds:
    alpha: float = 0.7            # weight of the dense score in the fusion
    beta: float = 0.1             # weight of character n-gram BM25 (1 - alpha - beta for word BM25)
    gamma: float | None = None    # weight of word BM25 when fitted on its own
    delta: float = 0.0            # penalty per unit of `uncovered` (query word weight the entry lacks)
    eta: float = 0.0              # bonus when the query's action (issue, renew, ...) matches the entry's
    theta: float = 0.0            # penalty when both state actions and none agree (actions.py)
    answer_score: float = 0.75
    answer_margin: float = 0.03
    clarify_score: float = 0.6
    answer_max_uncovered: float = 1.0  # share of the query's word weight the best entry must contain
    fitted_on: str = "unfitted defaults"
    answer_gate: dict[str, Any] | None = None  # AnswerGate.to_dict(); None: the score/margin rule
    # The encoder whose scores these numbers were fitted on ("" = unfitted, any encoder): another
    # encoder's cosines sit at other levels, so a mismatch is refused rather than silently miscalibrated.
    encoder: str = ""
    # That encoder's arithmetic (encoders.numerics_fingerprint; "" = not recorded): engines that agree to
    # cosine 0.9999 still move questions across these thresholds, so another one is reported at start.
    numerics: str = ""
    # P(in scope) model (gate.AnswerGate with min_agree 0): below its threshold a question no entry
    # answers is said to be out of scope and a person is offered, instead of a menu of unrelated entries.
    scope_gate: dict[str, Any] | None = None
    # The scope threshold for short questions (channels.SHORT_TOKENS words or fewer) when one learned from
    # use serves the rest: the shipped one (None: the same threshold for every question).
    scope_short: float | None = None
    # This corpus's own scale (selfcal.Profile.to_dict()), measured at build time, no labels needed.
    profile: dict[str, Any] | None = None
    # The deployment's labelled neighbours (engine/neighbours.py): attached to a live index after it is
    # built (their vectors come from its encoder), never stored with these numbers.
    neighbours: Neighbours | None = field(default=None, compare=False, repr=False)

    def check_encoder(self, name: str, numerics: str = "") -> None:
        """Refuse another model; warn when the same model runs on other arithmetic than the fit's.

        Not refused: the fit engine (`make native`'s x86-64-v3 build, the Docker image's) computes the
        same bits on every AVX2 CPU; another (the wheel's, an ARM build) moves a few questions across
        the thresholds, and a bot that starts with that is better than none (docs/knowledge-base.md).
        """
        if self.encoder and name != self.encoder:
            from knowledge_base.engine.errors import EncoderMismatchError

            raise EncoderMismatchError(self.encoder, name)
        if self.numerics and numerics and numerics != self.numerics and numerics not in _WARNED:
            _WARNED.add(numerics)  # once per process, not at every live rebuild
            log.warning(
                "the thresholds were fitted on engine numerics %s, this engine computes %s: direct answers "
                "may move by a few points; build the fitted engine with `E5_MARCH=x86-64-v3 make native` or "
                "refit with `python -m knowledge_base transfer --write-defaults`", self.numerics, numerics)

    @cached_property
    def gate(self) -> AnswerGate | None:
        if not self.answer_gate:
            return None
        from knowledge_base.engine.gate import AnswerGate

        return AnswerGate.from_dict(self.answer_gate)

    @cached_property
    def scope(self) -> AnswerGate | None:
        if not self.scope_gate:
            return None
        from knowledge_base.engine.gate import AnswerGate

        return AnswerGate.from_dict(self.scope_gate)

    def weights_only(self) -> Thresholds:
        """The fusion weights alone: what a corpus profile depends on."""
        return Thresholds(alpha=self.alpha, beta=self.beta, gamma=self.gamma, delta=self.delta, eta=self.eta,
                          theta=self.theta)

    def with_answer_threshold(self, threshold: float, evidence: dict[str, Any]) -> Thresholds:
        """The same models with the answer threshold a deployment set on its own labelled questions
        (faqs/local_threshold.py): it replaces the per-size ones, and its evidence is kept beside it."""
        if not self.answer_gate:
            return self
        gate = {**self.answer_gate, "threshold": float(threshold), "sizes": [], "size_thresholds": [],
                "local": evidence}
        return replace(self, answer_gate=gate)

    def with_local(self, record: dict[str, Any]) -> Thresholds:
        """The thresholds a deployment set on its own labelled questions (a LocalFit record): the answer
        threshold, and the scope threshold when the record has one; each replaces the per-size ones. Short
        questions keep the shipped scope threshold (`scope_short`): few of the labels are short, so a
        learned rise would tell them "not handled here" out of proportion (docs/knowledge-base.md, stop 30)."""
        evidence = {k: v for k, v in record.items() if k != "neighbours"}  # label texts: not thresholds
        th = self.with_answer_threshold(float(record["threshold"]), evidence)
        scope = record.get("scope_threshold")
        if scope is None or not th.scope_gate:
            return th
        shipped = record.get("scope_shipped")
        return replace(th, scope_gate={**th.scope_gate, "threshold": float(scope), "sizes": [],
                                       "size_thresholds": []},
                       scope_short=None if shipped is None else float(shipped))

    @property
    def needs_profile(self) -> bool:
        return any(g is not None and g.profiled for g in (self.gate, self.scope))

    def decide(self, top: float | None, margin: float, uncovered: float = 0.0,
               gate: GateReport | None = None, scope: GateReport | None = None) -> Decision:
        if top is None:
            return "handoff"
        if scope is not None:
            if gate is not None and gate.accepted:
                return "answer"
            return "clarify" if scope.accepted else "handoff"
        if self.gate is not None and gate is not None:
            # Never answer what the clarify threshold would hand off.
            if top >= self.clarify_score and gate.accepted:
                return "answer"
        elif top >= self.answer_score and margin >= self.answer_margin and uncovered <= self.answer_max_uncovered:
            return "answer"
        if top >= self.clarify_score:
            return "clarify"
        return "handoff"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(replace(self, neighbours=None))
        del d["neighbours"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Thresholds:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def write_defaults(th: Thresholds, path: Path = DEFAULT_PATH) -> None:
    """The committed thresholds file: indented JSON with every list of numbers on one line (an answer
    gate's trees hold thousands of node values)."""
    text = json.dumps(th.to_dict(), ensure_ascii=False, indent=2)
    text = re.sub(r"\[\s*(-?[0-9][-0-9.eE+,\s]*?)\s*\]", lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]",
                  text)
    path.write_text(text + "\n", encoding="utf-8")


def default_thresholds() -> Thresholds:
    """The thresholds fitted on the repository's dev set (committed), or built-in fallbacks."""
    if DEFAULT_PATH.exists():
        return Thresholds.from_dict(json.loads(DEFAULT_PATH.read_text(encoding="utf-8")))
    return Thresholds()
