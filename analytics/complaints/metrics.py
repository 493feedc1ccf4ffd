"""Precision and recall of complaint detection and of each reason, from gold and predicted labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analytics.complaints.labels import REASONS, Example

Label = tuple[bool, str | None]  # (is_complaint, reason)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    p = tp / n_pred if n_pred else None
    r = tp / n_gold if n_gold else None
    f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else (0.0 if n_pred or n_gold else None)
    return {"precision": _round(p), "recall": _round(r), "f1": _round(f1), "support": n_gold, "predicted": n_pred}


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 3)


def complaint_scores(gold: Sequence[Label], pred: Sequence[Label]) -> dict[str, Any]:
    tp = sum(g[0] and p[0] for g, p in zip(gold, pred, strict=True))
    out = _prf(tp, sum(p[0] for p in pred), sum(g[0] for g in gold))
    out["accuracy"] = _round(sum(g[0] == p[0] for g, p in zip(gold, pred, strict=True)) / len(gold)) if gold else None
    return out


def scores(gold: Sequence[Label], pred: Sequence[Label]) -> dict[str, Any]:
    """A reason is right only on a text that is a complaint and was detected as one with that reason."""
    per_reason = {}
    for r in REASONS:
        tp = sum(g[1] == r and p[1] == r for g, p in zip(gold, pred, strict=True))
        per_reason[r] = _prf(tp, sum(p[1] == r for p in pred), sum(g[1] == r for g in gold))
    f1s = [v["f1"] for v in per_reason.values() if v["support"]]
    both = [(g, p) for g, p in zip(gold, pred, strict=True) if g[0] and p[0]]
    return {
        "n": len(gold),
        "complaint": complaint_scores(gold, pred),
        "reasons": per_reason,
        "reason_macro_f1": _round(sum(f1s) / len(f1s)) if f1s else None,
        "reason_accuracy_on_detected_complaints": _round(sum(g[1] == p[1] for g, p in both) / len(both))
        if both else None,
    }


def by_style(examples: Sequence[Example], pred: Sequence[Label]) -> dict[str, Any]:
    """Complaint detection per writing style, for sets that record it."""
    styles = sorted({ex.style for ex in examples if ex.style})
    out = {}
    for s in styles:
        idx = [i for i, ex in enumerate(examples) if ex.style == s]
        gold = [(examples[i].is_complaint, examples[i].reason) for i in idx]
        out[s] = complaint_scores(gold, [pred[i] for i in idx]) | {
            "reason_accuracy": scores(gold, [pred[i] for i in idx])["reason_accuracy_on_detected_complaints"]}
    return out
