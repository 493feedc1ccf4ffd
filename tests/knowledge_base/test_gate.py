"""The answer gate: channel agreement + a logistic model with an out-of-fold threshold (gate.py)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from knowledge_base.engine.channels import Channels
from knowledge_base.engine.gate import FEATURES, MIN_AGREE, AnswerGate, GateInput, gate_input
from knowledge_base.engine.search import KnowledgeBase
from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.tuning.calibrate import Budget, calibrate
from knowledge_base.tuning.evaluate import Scored, metrics, score_queries
from knowledge_base.tuning.gate_fit import Rows, fit_gate, pick_threshold
from knowledge_base.tuning.resample import smaller_corpora

# A gate that accepts whatever the channels agree on: isolates the agreement rule.
OPEN = AnswerGate(mean=(0.0,) * len(FEATURES), scale=(1.0,) * len(FEATURES), weights=(0.0,) * len(FEATURES),
                  bias=0.0, threshold=0.0)
TH = Thresholds(alpha=0.6, beta=0.2, answer_score=99.0, answer_margin=99.0, clarify_score=0.1,
                answer_gate=OPEN.to_dict())


def _channels(dense, lex, grams, uncovered=None, unknown=0.0, n_tokens=4, n_entries=0) -> Channels:
    n = len(dense)
    unc = np.zeros(n, np.float32) if uncovered is None else np.asarray(uncovered, np.float32)
    return Channels(np.arange(n), np.asarray(dense, float), np.asarray(lex, float), np.asarray(grams, float),
                    unc, unknown, n_tokens, n_entries)


def _decide(th: Thresholds, ch: Channels) -> str:
    return ch.decide(th, ch.fused(th)).decision


def test_channels_that_agree_let_the_gate_answer():
    ch = _channels(dense=[2.0, 1.0, 0.5], lex=[0.9, 0.3, 0.1], grams=[0.8, 0.4, 0.2])
    assert gate_input(ch, ch.fused(TH), np.array([0, 1, 2])).agree == 3
    assert _decide(TH, ch) == "answer"


def test_channel_disagreement_blocks_a_direct_answer():
    """Dense alone carries entry 0 to the top; both lexical channels prefer entry 1: offer a choice."""
    ch = _channels(dense=[3.0, 1.0, 0.5], lex=[0.2, 0.9, 0.1], grams=[0.3, 0.8, 0.2])
    fused = ch.fused(TH)
    assert int(np.argmax(fused)) == 0
    assert gate_input(ch, fused, np.argsort(-fused)).agree == 1 < MIN_AGREE
    assert _decide(TH, ch) == "clarify"


def test_a_silent_lexical_channel_is_not_agreement():
    """No query word in the corpus: both lexical channels are all zero, so only dense speaks."""
    ch = _channels(dense=[2.0, 1.0, 0.5], lex=[0.0, 0.0, 0.0], grams=[0.0, 0.0, 0.0])
    assert gate_input(ch, ch.fused(TH), np.array([0, 1, 2])).agree == 1
    assert _decide(TH, ch) == "clarify"


def test_the_gate_never_answers_below_the_clarify_threshold():
    ch = _channels(dense=[0.2, 0.1, 0.0], lex=[0.1, 0.05, 0.0], grams=[0.1, 0.05, 0.0])
    th = dataclasses.replace(TH, clarify_score=5.0)
    assert _decide(th, ch) == "handoff"


def test_the_model_weighs_margins_and_missing_words():
    gate = dataclasses.replace(OPEN, weights=(0.0, 4.0, 0.0, 0.0, 0.0, -8.0, 0.0), threshold=0.5)
    th = dataclasses.replace(TH, answer_gate=gate.to_dict())
    clear = _channels(dense=[2.0, 0.5, 0.4], lex=[0.9, 0.1, 0.1], grams=[0.9, 0.1, 0.1])
    assert _decide(th, clear) == "answer"
    missing = _channels(dense=[2.0, 0.5, 0.4], lex=[0.9, 0.1, 0.1], grams=[0.9, 0.1, 0.1],
                        uncovered=[0.9, 0.9, 0.9])  # most of the question is about something else
    assert _decide(th, missing) == "clarify"


def test_old_thresholds_without_a_gate_keep_the_score_margin_rule():
    old = {"alpha": 0.6, "beta": 0.2, "answer_score": 0.5, "answer_margin": 0.2, "clarify_score": 0.1,
           "answer_max_uncovered": 0.5, "fitted_on": "before the gate"}
    th = Thresholds.from_dict(old)
    assert th.answer_gate is None and th.gate is None
    disagree = _channels(dense=[3.0, 1.0, 0.5], lex=[0.2, 0.9, 0.1], grams=[0.3, 0.8, 0.2])
    assert _decide(th, disagree) == "answer"  # the rule looks at the fused lead only, as before


def test_a_gate_fitted_on_other_features_is_ignored():
    d = dict(OPEN.to_dict(), features=["top", "something_new"])
    assert AnswerGate.from_dict(d) is None
    assert Thresholds.from_dict({**TH.to_dict(), "answer_gate": d}).gate is None


def test_an_index_saved_before_the_gate_still_loads(small_entries, fake_encoder, tmp_path):
    kb = KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=TH)
    kb.save(tmp_path / "idx")
    manifest = tmp_path / "idx" / "manifest.json"
    m = json.loads(manifest.read_text())
    m["thresholds"] = {k: v for k, v in m["thresholds"].items() if k != "answer_gate"}
    m["thresholds"].update(answer_score=0.5, answer_margin=0.0)
    manifest.write_text(json.dumps(m))
    loaded = KnowledgeBase.load(tmp_path / "idx", encoder=fake_encoder)
    assert loaded.thresholds.gate is None
    assert loaded.search("كم رسوم رخصة العمل").decision == "answer"


def test_gate_round_trips_through_json():
    th = Thresholds.from_dict(json.loads(json.dumps(TH.to_dict())))
    assert th.gate == OPEN and th == TH


def test_threshold_stays_within_the_out_of_fold_budgets():
    p = np.array([0.99, 0.98, 0.97, 0.96, 0.95, 0.5])
    rows = Rows(np.zeros((6, len(FEATURES))), np.array([3, 3, 3, 3, 3, 3]), np.array([1, 1, 0, 1, 0, 1], bool),
                np.array([0, 0, 1, 0, 0, 0], bool), np.array([0, 0, 0, 0, 1, 0], bool), np.arange(6))
    assert 0.97 < pick_threshold(p, rows, 0.0, 0.0) < 0.98
    assert 0.95 < pick_threshold(p, rows, 0.2, 0.0) < 0.96  # one wrong answer in five allowed
    rows.agree[2] = 1  # the channels disagree on the wrong one: it is never answered, so it costs nothing
    assert 0.95 < pick_threshold(p, rows, 0.0, 0.0) < 0.96


def test_smaller_corpora_get_a_stricter_threshold_in_between_sizes_interpolated():
    gate = dataclasses.replace(OPEN, threshold=0.90, sizes=(40, 100, 142), size_thresholds=(0.98, 0.93, 0.90))
    assert gate.threshold_for(142) == pytest.approx(0.90) and gate.threshold_for(5000) == pytest.approx(0.90)
    assert gate.threshold_for(40) == pytest.approx(0.98) and gate.threshold_for(10) == pytest.approx(0.98)
    assert 0.93 < gate.threshold_for(70) < 0.98
    assert gate.threshold_for(0) == 0.90  # size unknown (synthetic channels): the dev corpus's threshold
    x = np.zeros(len(FEATURES))
    sure = dataclasses.replace(gate, bias=float(np.log(0.95 / 0.05)))  # P = 0.95 whatever the features
    assert sure.accepts(GateInput(x, 3, 142)) and not sure.accepts(GateInput(x, 3, 40))


@pytest.fixture
def synthetic():
    """In scope: the gold entry leads in every channel 85% of the time; out of scope: flatter scores
    and more of the question missing from the best entry."""
    rng = np.random.default_rng(3)
    scored = []
    for i in range(500):
        dense, lex = rng.normal(0.5, 0.3, 20), rng.uniform(0.0, 0.3, 20)
        gold = int(rng.integers(20)) if i < 350 else None
        if gold is not None and rng.random() < 0.85:
            dense[gold] += rng.uniform(0.5, 2.0)
            lex[gold] += 0.5
        unc = rng.uniform(0.0, 0.4, 20) if gold is not None else rng.uniform(0.3, 1.0, 20)
        scored.append(Scored(f"q{i}", gold, "msa" if gold is not None else "chitchat",
                             _channels(dense, lex, lex + rng.normal(0, 0.05, 20), unc, 0.0, int(rng.integers(1, 9)))))
    return scored


def test_calibrate_fits_a_gate_that_answers_more_than_the_rule(synthetic):
    with_gate = calibrate(synthetic)
    rule = calibrate(synthetic, Budget(gate=False))
    assert with_gate.gate is not None and rule.gate is None
    assert with_gate.gate.estimate[1] <= Budget().oof_wrong_budget
    assert with_gate.gate.estimate[2] <= Budget().oof_ood_budget
    m, r = metrics(synthetic, with_gate), metrics(synthetic, rule)
    assert m["decisions"]["answer"] > r["decisions"]["answer"]
    assert m["wrong_answer_rate"] <= 0.01 and m["ood_answered_rate"] <= 0.02


def test_too_few_labelled_queries_keep_the_rule():
    lab = np.array([True] * 5 + [False] * 5)
    rows = Rows(np.zeros((10, len(FEATURES))), np.full(10, 3), lab, ~lab, np.zeros(10, bool), np.arange(10))
    assert fit_gate(rows, 100, [], 0.0, 0.0) is None


def test_smaller_corpora_reuse_the_index_and_reindex_the_gold_entries(small_entries, fake_encoder):
    kb = KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=TH)
    scored = score_queries(kb, [{"q": "كم رسوم رخصة العمل", "id": "permit-fee"},
                                {"q": "نسيت كلمة السر", "id": "pw-reset"}], [{"q": "ما عاصمة اليابان"}])
    encoded = fake_encoder.passages_encoded
    corpora = smaller_corpora(kb, scored, shares=(0.8,))
    assert corpora and fake_encoder.passages_encoded == encoded  # nothing encoded again
    for sm in corpora:
        assert len(sm.scored) == len(scored) and sm.n_entries == len(sm.entries) < len(kb.entries)
        for full, s, kept in zip(scored, sm.scored, sm.kept, strict=True):
            if full.gold is None:
                assert kept and s.gold is None
            elif kept:
                assert sm.entries[s.gold] == full.gold and s.ch.n_entries == sm.n_entries
                assert s.ch.cand.max() < sm.n_entries
