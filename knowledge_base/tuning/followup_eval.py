"""Follow-up evaluation: labelled (previous answer, next message, gold entry or null) turns.

`python -m knowledge_base.tuning.followup_eval [--index var/index] [--set tests/data/followups.jsonl]` prints the
figures as JSON. Rates follow `evaluate.py`: top-1, self-service (answered right, or the gold entry among
the three options of a clarify) and wrong answers over in-scope turns; out-of-scope answered over turns
whose gold is null.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from knowledge_base.engine.followup import Searcher, contextual_search, previous_answer
from knowledge_base.engine.search import SearchResult
from knowledge_base.tuning.evaluate import read_jsonl

DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "followups.jsonl"
Search = Callable[..., tuple[SearchResult, bool]]


def outcome(result: SearchResult, gold: str | None) -> str:
    """One of: right, offered (gold among the clarify options), wrong (answered another entry),
    missed (in scope, not served), ood_answered, ood_held (out of scope, not answered)."""
    top = result.candidates[0].id if result.candidates else None
    if gold is None:
        return "ood_answered" if result.decision == "answer" else "ood_held"
    if result.decision == "answer":
        return "right" if top == gold else "wrong"
    if result.decision == "clarify" and gold in [c.id for c in result.options]:
        return "offered"
    return "missed"


def evaluate(kb: Searcher, rows: list[dict[str, Any]], search: Search = contextual_search) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    top1 = 0
    for row in rows:
        result, _ = search(kb, row["q"], previous_answer(kb, row["previous"]))
        counts[outcome(result, row["gold"])] += 1
        top1 += bool(row["gold"] and result.candidates and result.candidates[0].id == row["gold"])
    in_scope = sum(counts[k] for k in ("right", "offered", "wrong", "missed"))
    ood = counts["ood_answered"] + counts["ood_held"]

    def share(n: int, d: int) -> float:
        return round(n / d, 4) if d else 0.0

    return {
        "in_scope": in_scope, "out_of_scope": ood,
        "top1": share(top1, in_scope),
        "self_service": share(counts["right"] + counts["offered"], in_scope),
        "answered_right": share(counts["right"], in_scope),
        "wrong_answers": share(counts["wrong"], in_scope),
        "ood_answered": share(counts["ood_answered"], ood),
        "counts": dict(counts),
    }


def main(argv: list[str] | None = None) -> None:
    from knowledge_base.engine.search import KnowledgeBase

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="var/index")
    ap.add_argument("--set", default=str(DEFAULT_SET))
    args = ap.parse_args(argv)
    kb = KnowledgeBase.load(Path(args.index))
    print(json.dumps(evaluate(kb, read_jsonl([Path(args.set)])), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
