"""Evaluation on labelled query files: in-scope accuracy, decisions, per-style and out-of-scope rates."""

from __future__ import annotations

import glob
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.engine.errors import KnowledgeBaseError
from knowledge_base.engine.gate import GateInput, gate_input


@dataclass
class Scored:
    """Everything calibration needs about one query: the candidate pool and its raw scores."""

    q: str
    gold: int | None        # index of the gold entry in kb.entries; None for out-of-scope
    label: str              # style (in-scope) or kind (out-of-scope)
    ch: Any                 # search.Channels


def expand(patterns: list[str] | str | None) -> list[Path]:
    if not patterns:
        return []
    if isinstance(patterns, str):
        patterns = [patterns]
    out: list[Path] = []
    for p in patterns:
        hits = sorted(glob.glob(p)) if any(c in p for c in "*?[") else [p]
        if not hits:
            raise KnowledgeBaseError(f"no query file matches {p!r}")
        out.extend(Path(h) for h in hits)
    return out


def read_jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for p in paths:
        with p.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise KnowledgeBaseError(f"{p}:{n}: invalid JSON ({exc.msg})") from None
    return rows


def score_queries(kb: Any, queries: list[dict[str, Any]], ood: list[dict[str, Any]]) -> list[Scored]:
    idx = {e.id: i for i, e in enumerate(kb.entries)}
    out = []
    for row, in_scope in [(r, True) for r in queries] + [(r, False) for r in ood]:
        q = str(row.get("q", ""))
        if not q.strip():
            continue
        gold = idx.get(row.get("id")) if in_scope else None
        if in_scope and gold is None:
            continue  # gold entry not in this index (e.g. a draft): not measurable
        aq = kb.analyzer.analyse(q)
        label = row.get("style", "unknown") if in_scope else row.get("kind", "unknown")
        out.append(Scored(q, gold, str(label), kb.channels(aq)))
    return out


def rank(s: Scored, th: Any) -> tuple[np.ndarray, float, float, float]:
    """(entry indices best first, top fused score, margin, uncovered share of the top entry)."""
    fused = s.ch.fused(th)
    order = np.argsort(-fused, kind="stable")
    top = float(fused[order[0]]) if len(order) else 0.0
    margin = float(fused[order[0]] - fused[order[1]]) if len(order) > 1 else top
    unc = float(s.ch.uncovered[order[0]]) if len(order) else 1.0
    return s.ch.cand[order], top, margin, unc


def gate_of(s: Scored, th: Any) -> GateInput | None:
    """The answer gate's input for the fused best candidate (None without candidates)."""
    fused = s.ch.fused(th)
    return gate_input(s.ch, fused, np.argsort(-fused, kind="stable")) if len(fused) else None


def decide(s: Scored, th: Any) -> tuple[np.ndarray, str, float, float, float]:
    """(ranked entries, decision, top, margin, uncovered) as KnowledgeBase.search decides them."""
    fused = s.ch.fused(th)
    v = s.ch.decide(th, fused)
    order, margin, decision = v.order, v.margin, v.decision
    top = float(fused[order[0]]) if len(order) else 0.0
    unc = float(s.ch.uncovered[order[0]]) if len(order) else 1.0
    return s.ch.cand[order], decision, top, margin, unc


def _rate(n: int, d: int) -> float:
    return round(n / d, 4) if d else 0.0


def metrics(scored: list[Scored], th: Any) -> dict[str, Any]:
    tally = Tally()
    for s in scored:
        tally.add(s, th)
    return tally.summary()


class Tally:
    """Decision counts per style / out-of-scope kind; queries may be decided by different thresholds
    (cross-validation pools the folds)."""

    def __init__(self) -> None:
        self.ins: dict[str, Counter] = defaultdict(Counter)
        self.oos: dict[str, Counter] = defaultdict(Counter)

    def add(self, s: Scored, th: Any) -> None:
        ranked, dec, *_ = decide(s, th)
        for bucket in ("all", s.label):
            c = (self.ins if s.gold is not None else self.oos)[bucket]
            c["n"] += 1
            c[dec] += 1
            if s.gold is None:
                continue
            hit1 = len(ranked) > 0 and ranked[0] == s.gold
            hit3 = s.gold in ranked[:3]
            c["top1"] += hit1
            c["top3"] += hit3
            c["ss"] += (dec == "answer" and hit1) or (dec == "clarify" and hit3)
            c["wrong"] += dec == "answer" and not hit1

    def summary(self) -> dict[str, Any]:
        return _summarise(self.ins, self.oos)


def _summarise(ins: dict[str, Counter], oos: dict[str, Counter]) -> dict[str, Any]:
    def in_block(c: Counter) -> dict[str, Any]:
        n = c["n"]
        return {"n": n, "top1": _rate(c["top1"], n), "top3": _rate(c["top3"], n),
                "self_service": _rate(c["ss"], n), "wrong_answer_rate": _rate(c["wrong"], n),
                "decisions": {d: c[d] for d in ("answer", "clarify", "handoff")}}

    def ood_block(c: Counter) -> dict[str, Any]:
        n = c["n"]
        return {"n": n, "answered_rate": _rate(c["answer"], n), "clarify_rate": _rate(c["clarify"], n),
                "handoff_rate": _rate(c["handoff"], n),
                "decisions": {d: c[d] for d in ("answer", "clarify", "handoff")}}

    a = in_block(ins.get("all", Counter()))
    o = ood_block(oos.get("all", Counter()))
    return {
        "in_scope": a["n"], "top1": a["top1"], "top3": a["top3"], "self_service": a["self_service"],
        "wrong_answer_rate": a["wrong_answer_rate"], "decisions": a["decisions"],
        "ood": o["n"], "ood_answered_rate": o["answered_rate"], "ood_clarify_rate": o["clarify_rate"],
        "ood_handoff_rate": o["handoff_rate"], "ood_decisions": o["decisions"],
        "per_style": {k: in_block(v) for k, v in sorted(ins.items()) if k != "all"},
        "per_ood_kind": {k: ood_block(v) for k, v in sorted(oos.items()) if k != "all"},
    }


def misses(scored: list[Scored], kb: Any, th: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Queries decided wrongly (for tuning): wrong answers, unserved in-scope, answered OOD."""
    out = []
    for s in scored:
        ranked, dec, top, margin, unc = decide(s, th)
        hit1 = len(ranked) > 0 and ranked[0] == s.gold
        bad = (s.gold is None and dec == "answer") or (s.gold is not None and not (
            (dec == "answer" and hit1) or (dec == "clarify" and s.gold in ranked[:3])))
        if bad:
            out.append({"q": s.q, "label": s.label, "decision": dec, "top": round(top, 3),
                        "margin": round(margin, 3), "uncovered": round(unc, 3),
                        "gold": kb.entries[s.gold].id if s.gold is not None else None,
                        "got": [kb.entries[i].id for i in ranked[:3]]})
    return out[:limit]
