"""The "answer from labelled neighbours" study (knowledge_base.tuning.neighbours_eval): the lead feature
without self-matches, the stream-side choice within its budgets, and one run on a slice with the real engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge_base.tuning.neighbours_eval import Asked2, _lead, choose

BLIND = Path(__file__).resolve().parents[1] / "data" / "blind" / "health"


def test_lead_compares_each_label_without_itself():
    v_in = np.array([[1.0, 0.0], [0.8, 0.6]])
    v_out = np.array([[0.0, 1.0]])
    # As labels: in-scope 0's nearest other in-scope is 1 (0.8); out-of-scope 0 has no other "not covered" one.
    lead = _lead(np.vstack([v_in, v_out]), v_in, v_out, own=(2, 1))
    assert lead == pytest.approx([0.8 - 0.0, 0.8 - 0.6, 0.6 - -1.0])
    # A new question is compared with every label.
    assert _lead(np.array([[1.0, 0.0]]), v_in, v_out) == pytest.approx([1.0])


def test_choice_takes_the_most_right_answers_within_the_budgets():
    p = np.array([0.99, 0.9, 0.9, 0.9, 0.9, 0.72])
    ood = np.array([False, False, False, False, True, False])
    good = np.array([True, True, True, False, False, True])
    lead = np.array([0.1, 0.05, 0.04, 0.0, 0.05, 0.2])
    stream = Asked2(p, ood, good, lead)
    base = p >= 0.95
    # k = 1 out of scope, no wrong answer (1 % of 5 in scope rounds to 0): t low enough for the one at 0.72,
    # m low enough for the right one at 0.04 and above the wrong one at 0.0; the largest such m (the safest).
    assert choose(stream, base, k=1) == (0.7, 0.03)
    # k = 0: the out-of-scope question's lead (0.05) passes every m, so every t that gains also answers it.
    assert choose(stream, base, k=0) is None
    assert choose(Asked2(p, ood, good, np.full(6, -1.0)), base, k=1) is None  # nothing gains


@pytest.mark.slow
def test_the_study_runs_on_a_slice_with_the_real_engine(tmp_path: Path) -> None:
    from knowledge_base.engine.encoders import encoder_from_env
    from knowledge_base.engine.search import KnowledgeBase
    from knowledge_base.tuning.neighbours_eval import run
    from knowledge_base.tuning.transfer import EvalSet

    def head(src: Path, n: int) -> Path:
        dst = tmp_path / src.name
        dst.write_text("".join(src.read_text(encoding="utf-8").splitlines(keepends=True)[:n]), encoding="utf-8")
        return dst

    enc = encoder_from_env()
    es = EvalSet("health", "fit", BLIND / "corpus.jsonl", [head(BLIND / "queries.jsonl", 40)],
                 [head(BLIND / "ood.jsonl", 20)])
    stream = EvalSet("s", "stream", es.corpus, [head(BLIND / "stream.jsonl", 60)],
                     [head(BLIND / "stream_ood.jsonl", 30)])
    out = run(es, stream, lambda e: KnowledgeBase.build(e, encoder=enc))
    assert out["labelled"][0] > 0 and out["labelled"][1] > 0
    # 30 "not covered" marks allow no out-of-scope answer (k < 0): no rule can be chosen on so few labels.
    assert "t" not in out and set(out["frozen_local_threshold"]) == {"right", "wrong", "ood_answered"}
