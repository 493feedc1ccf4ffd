"""General Arabic (issue #12): on same-meaning question clusters that have nothing to do with government
services, the hybrid ranking must not lose to the plain e5 model it is built on. The set was written blind
(tests/data/blind/qsim); only its dev half is used here, the holdout half is scored by hand at the end."""

from __future__ import annotations

from pathlib import Path

from knowledge_base.engine.thresholds import default_thresholds
from knowledge_base.tuning.qsim_eval import evaluate, reciprocal_rank

DEV = Path(__file__).resolve().parents[1] / "data" / "blind" / "qsim" / "dev.jsonl"


def test_reciprocal_rank_counts_the_first_cluster_mate_within_ten() -> None:
    assert reciprocal_rank([5, 3, 9], {9, 1}) == (1 / 3, False)
    assert reciprocal_rank([1], {1}) == (1.0, True)
    assert reciprocal_rank(list(range(20, 40)), {35}) == (0.0, False)


def test_hybrid_ranking_does_not_lose_to_plain_e5_on_general_arabic() -> None:
    report = evaluate(DEV, default_thresholds())
    assert report["dense"]["n"] == report["hybrid"]["n"] > 350
    assert report["hybrid"]["mrr10"] >= report["dense"]["mrr10"], report
