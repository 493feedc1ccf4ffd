"""A deployment's own answer threshold (faqs/local_threshold.py): the rule on synthetic evidence, and
`recalibrate` end to end on a blind corpus with the shipped engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.cli import main
from knowledge_base.engine.thresholds import Thresholds, default_thresholds
from knowledge_base.faqs.local_threshold import (
    MIN_IN_SCOPE,
    Evidence,
    LocalFit,
    allowed_out_of_scope,
    local_answer_threshold,
    min_out_of_scope,
    with_threshold,
)
from knowledge_base.tuning.local_eval import split_halves, stream_then_frozen

BLIND = Path(__file__).resolve().parents[1] / "data" / "blind" / "health"


def _k0(ev: Evidence, shipped: float, scope_shipped: float | None = None) -> LocalFit:
    """The rule's mechanics at an allowance of 0 (99 labels); the product waits for 1 (MIN_ALLOWED_OOD)."""
    return local_answer_threshold(ev, shipped, scope_shipped=scope_shipped, min_allowed=0)


def _evidence(right: list[float], wrong: list[float], ood: list[float]) -> Evidence:
    p = np.array([*right, *wrong, *ood])
    is_ood = np.r_[np.zeros(len(right) + len(wrong), bool), np.ones(len(ood), bool)]
    good = np.r_[np.ones(len(right), bool), np.zeros(len(wrong) + len(ood), bool)]
    return Evidence(p, is_ood, good)


def test_allowed_out_of_scope_keeps_the_expected_rate_within_budget():
    # A new out-of-scope question lands above the k+1-th highest of n with probability (k+1)/(n+1).
    assert allowed_out_of_scope(98) == -1 and allowed_out_of_scope(99) == 0 and min_out_of_scope(k=0) == 99
    assert min_out_of_scope() == 199  # a threshold is learned from an allowance of 1 (MIN_ALLOWED_OOD)
    assert allowed_out_of_scope(199) == 1 and allowed_out_of_scope(299) == 2
    assert allowed_out_of_scope(49, rate=0.02) == 0 and min_out_of_scope(0.02, k=0) == 49


def test_too_few_labelled_questions_keep_the_shipped_threshold():
    ev = _evidence([0.9] * (MIN_IN_SCOPE - 1), [], [0.1] * 120)
    assert _k0(_evidence([0.9] * 150, [], [0.1] * 98), 0.97).threshold is None
    fit = _k0(ev, 0.97)
    assert fit.threshold is None and "at least" in fit.reason
    assert with_threshold(default_thresholds(), fit) == default_thresholds()


def test_a_threshold_is_learned_only_from_an_allowance_of_one_near_miss():
    ev = _evidence([0.9] * 150, [], [0.1] * 120)
    assert local_answer_threshold(ev, 0.97).threshold is None and _k0(ev, 0.97).threshold is not None
    assert "199 out-of-scope" in local_answer_threshold(ev, 0.97).reason
    assert local_answer_threshold(_evidence([0.9] * 150, [], [0.1] * 199), 0.97).threshold is not None


def test_threshold_sits_just_above_the_labelled_out_of_scope_questions():
    rng = np.random.default_rng(0)
    right = rng.uniform(0.5, 1.0, 150).tolist()
    ood = [*rng.uniform(0.0, 0.7, 119).tolist(), 0.85]  # 120 labelled: none may be answered
    fit = _k0(_evidence(right, [], ood), 0.97)
    assert fit.threshold is not None and 0.85 < fit.threshold < 0.8501
    assert fit.right_at_local > fit.right_at_shipped


def test_threshold_rises_above_the_shipped_one_when_use_shows_near_misses_there():
    fit = _k0(_evidence([0.99] * 150, [], [0.1] * 119 + [0.98]), 0.97)
    assert fit.threshold is not None and fit.threshold > 0.98


def test_wrong_answers_stay_within_one_percent_of_the_in_scope_questions():
    # Two confident wrong answers among 150 in scope (1.3 %): the threshold must pass one of them.
    fit = _k0(_evidence([0.8] * 148, [0.95, 0.9], [0.1] * 120), 0.99)
    assert fit.threshold is not None and 0.9 < fit.threshold <= 0.9501


def test_the_threshold_is_stored_with_its_evidence_and_replaces_per_size_ones():
    th = default_thresholds()
    fit = _k0(_evidence([0.9] * 150, [], [0.1] * 120), 0.97)
    local = Thresholds.from_dict(json.loads(json.dumps(with_threshold(th, fit).to_dict())))
    assert local.gate is not None and local.gate.threshold_for(10) == local.gate.threshold_for(10_000) \
        == fit.threshold
    assert local.answer_gate is not None and local.answer_gate["local"]["n_ood"] == 120
    assert local.scope_gate == th.scope_gate  # only the answer threshold is the deployment's


def _with_scope(ev: Evidence, scope: list[float]) -> Evidence:
    return Evidence(ev.p, ev.ood, ev.good, np.array(scope))


def test_scope_threshold_tells_at_most_one_percent_of_the_labelled_in_scope_questions():
    rng = np.random.default_rng(3)
    ev = _evidence([0.05] * 200, [], [0.1] * 120)  # none answered: every one is decided by the scope gate
    inside = np.linspace(0.3, 1.0, 200)
    ev = _with_scope(ev, [*inside, *rng.uniform(0.0, 0.6, 120)])
    fit = _k0(ev, 0.97, scope_shipped=0.25)
    assert fit.scope_threshold is not None and fit.scope_shipped == 0.25
    assert (inside < fit.scope_threshold).sum() == 2 == fit.in_scope_told * 200  # floor(1 % of 200)
    assert fit.out_of_scope_told == (ev.scope[200:] < fit.scope_threshold).mean() > 0.2
    # Questions answered directly are not the scope gate's to decide: they do not count.
    answered = Evidence(np.r_[[0.99] * 4, [0.05] * 196, [0.1] * 120], ev.ood, ev.good, ev.scope)
    assert _k0(answered, 0.97, scope_shipped=0.25).scope_threshold == inside[6] > inside[2] \
        == fit.scope_threshold
    # Before 200 labelled in-scope questions none is learned: the k-th lowest of fewer is too unsteady.
    from knowledge_base.faqs.local_threshold import scope_allowance

    assert [scope_allowance(n) for n in (100, 142, 199, 200, 299, 300)] == [-1, -1, -1, 2, 2, 3]
    few = Evidence(ev.p[20:], ev.ood[20:], ev.good[20:], ev.scope[20:])  # 180 labelled in scope
    assert _k0(few, 0.97, scope_shipped=0.25).scope_threshold == 0.25


def test_short_labelled_questions_count_for_the_scope_rate_but_are_not_told():
    ev = _evidence([0.05] * 200, [], [0.1] * 120)
    inside = np.linspace(0.3, 1.0, 200)
    ev = _with_scope(ev, [*inside, *np.linspace(0.0, 0.6, 120)])
    short = np.zeros(320, bool)
    short[0] = True                         # the lowest in-scope one is a two-word question
    fit = _k0(ev, 0.97, scope_shipped=0.25)
    fit_short = _k0(Evidence(ev.p, ev.ood, ev.good, ev.scope, short), 0.97, scope_shipped=0.25)
    # The same threshold (the rate counts it), but it keeps the shipped one (0.3 > 0.25): one told, not two.
    assert fit_short.scope_threshold == fit.scope_threshold and fit.in_scope_told * 200 == 2
    assert fit_short.in_scope_told * 200 == 1
    served = with_threshold(default_thresholds(), fit_short)
    assert served.scope_short == 0.25 and served.scope is not None and served.scope.threshold == fit.scope_threshold


def test_scope_threshold_never_drops_below_the_shipped_one_and_is_served():
    ev = _with_scope(_evidence([0.05] * 150, [], [0.1] * 120), [0.05] * 10 + [0.9] * 140 + [0.5] * 120)
    fit = _k0(ev, 0.97, scope_shipped=0.3)
    assert fit.scope_threshold == 0.3  # 10 in-scope questions sit at 0.05: any higher would tell 10 of 150
    th = default_thresholds()
    served = Thresholds.from_dict(json.loads(json.dumps(with_threshold(th, fit).to_dict())))
    assert served.scope is not None and served.scope.threshold_for(10) == served.scope.threshold_for(10_000) == 0.3
    assert _k0(ev, 0.97).scope_threshold is None  # no shipped scope given: none set


def test_applied_thresholds_are_stale_when_the_labels_no_longer_support_them():
    from knowledge_base.faqs.local_threshold import applied_stale

    ev = _with_scope(_evidence([0.05] * 150, [], [0.1] * 120), list(np.linspace(0.3, 1.0, 150)) + [0.2] * 120)
    fit = _k0(ev, 0.97, scope_shipped=0.25)
    record = fit.to_dict()
    assert applied_stale(None, fit) == (False, False) and applied_stale(record, fit) == (False, False)
    # New marks raised the answer proposal above the applied one; the applied scope one is below: both fine.
    assert applied_stale({**record, "threshold": fit.threshold - 0.01}, fit) == (True, False)
    assert applied_stale({**record, "scope_threshold": fit.scope_threshold - 0.01}, fit) == (False, False)
    # Picks low on the scope gate lowered the scope proposal under the applied one: too many told "not here".
    assert applied_stale({**record, "scope_threshold": fit.scope_threshold + 0.01}, fit) == (False, True)
    assert applied_stale({k: v for k, v in record.items() if k != "scope_threshold"}, fit) == (False, False)


def test_an_apply_must_match_every_deciding_value_the_editor_saw():
    import dataclasses

    fit = dataclasses.replace(_k0(_evidence([0.99] * 150, [], [0.1] * 120), 0.97),
                              scope_threshold=0.31, near_threshold=0.8, near_margin=0.0, near_outside=None)
    seen = fit.to_dict()
    assert fit.changed(seen) == [] and fit.changed({**seen, "near_outside": None}) == []
    assert fit.changed({**seen, "near_margin": 0.01}) == ["near_margin"]
    assert fit.changed({**seen, "near_outside": 0.03}) == ["near_outside"]
    # A value not sent counts as null; a number sent as text is never the number.
    assert fit.changed({"threshold": seen["threshold"]}) == ["scope_threshold", "near_threshold", "near_margin"]
    assert fit.changed({**seen, "scope_threshold": "0.31"}) == ["scope_threshold"]
    assert fit.changed({**seen, "near_margin": False}) == ["near_margin"]


def test_split_halves_scores_only_the_half_it_did_not_fit_on():
    # Half the out-of-scope questions sit high: whichever half the fit sees, the other half pays.
    rng = np.random.default_rng(1)
    ev = _evidence(rng.uniform(0.6, 1.0, 300).tolist(), [], rng.uniform(0.0, 0.99, 440).tolist())
    out = split_halves(ev, 0.999, seeds=5)
    assert out["recalibrated_in"] == "5 of 5 splits"
    assert out["local"]["right"] > out["shipped"]["right"]
    assert 0.0 < out["local"]["ood_answered"] < 0.1
    # Labels as use gives them: only what the shipped threshold did not answer (here: everything).
    assert split_halves(ev, 1.1, seeds=5)["recalibrated_in"] == "5 of 5 splits"


def test_a_stream_sets_the_threshold_and_only_the_frozen_set_is_scored():
    rng = np.random.default_rng(2)
    stream = _evidence(rng.uniform(0.6, 0.99, 300).tolist(), [], rng.uniform(0.0, 0.9, 220).tolist())
    # The frozen set has near misses just above everything the stream showed: they are what it pays.
    frozen = _evidence([0.95] * 50 + [0.5] * 50, [], [0.93] * 10 + [0.1] * 90)
    out = stream_then_frozen(stream, frozen, 0.999)
    assert out["labelled"] == {"in_scope": 300, "out_of_scope": 220}
    assert out["local_threshold"] < 0.93
    assert out["frozen_shipped"] == {"right": 0.0, "wrong": 0.0, "ood_answered": 0.0}
    assert out["frozen_local"] == {"right": 0.5, "wrong": 0.0, "ood_answered": 0.1}
    # Too few stream labels: the shipped threshold decides the frozen set too.
    few = stream_then_frozen(_evidence([0.9] * 50, [], [0.1] * 50), frozen, 0.999)
    assert few["local_threshold"] == 0.999 and few["frozen_local"] == few["frozen_shipped"]


@pytest.mark.slow
def test_recalibrate_on_a_blind_corpus_writes_a_threshold_the_index_serves(tmp_path, capsys):
    index = str(tmp_path / "idx")
    assert main(["build", "--corpus", str(BLIND / "corpus.jsonl"), "--out", index, "--cache", ""]) == 0
    capsys.readouterr()
    # The health use stream as the labels: its 220 "not covered" reach the allowance of 1 (the frozen set's 103
    # do not).
    cache = str(tmp_path / "emb.sqlite")
    args = ["recalibrate", "--index", index, "--queries", str(BLIND / "stream.jsonl"),
            "--ood", str(BLIND / "stream_ood.jsonl"), "--cache", cache]
    assert main(args) == 0
    proposal = json.loads(capsys.readouterr().out)
    assert proposal["written"] is False and proposal["threshold"] is not None
    assert proposal["n_ood"] >= 199 and proposal["right_at_local"] > proposal["right_at_shipped"]
    assert main([*args, "--write"]) == 0
    capsys.readouterr()
    from knowledge_base.engine.search import KnowledgeBase

    served = KnowledgeBase.load(index).thresholds
    gate, scope = served.gate, served.scope
    assert gate is not None and gate.threshold == pytest.approx(proposal["threshold"], abs=1e-4) and gate.sizes == ()
    assert scope is not None and scope.threshold == proposal["scope_threshold"] >= proposal["scope_shipped"]
    # The labelled-neighbours rule the same labels support is stored with them and served by every load
    # (`batch` included), as the editor's click serves it.
    assert proposal["near_threshold"] is not None or proposal["near_outside"] is not None
    near = served.neighbours
    assert near is not None and (near.t, near.m, near.m_out) == \
        (proposal["near_threshold"], proposal["near_margin"], proposal["near_outside"])
    assert len(near.inside) + len(near.outside) == proposal["n_in"] + proposal["n_ood"]
    # `--write` left the labelled vectors in the cache, so a load through it (as `batch` and `search` load)
    # encodes none of them.
    from knowledge_base.engine.embcache import SqliteEmbeddingCache
    from knowledge_base.engine.encoders import encoder_from_env

    enc, encoded = encoder_from_env(), []
    plain = enc.encode_queries
    enc.encode_queries = lambda texts: encoded.append(len(texts)) or plain(texts)  # type: ignore[method-assign]
    again = KnowledgeBase.load(index, encoder=enc, cache=SqliteEmbeddingCache(cache)).thresholds.neighbours
    assert again is not None and len(again.inside) == len(near.inside) and encoded == []
    assert main(["search", "--index", index, "--cache", cache, "--json", "سحب توكيل"]) == 0
    assert json.loads(capsys.readouterr().out)["decision"] in {"answer", "clarify", "handoff"}
    # A rebuild starts from the defaults again: no record, no rule.
    assert main(["build", "--corpus", str(BLIND / "corpus.jsonl"), "--out", index, "--cache", "", "--force"]) == 0
    assert KnowledgeBase.load(index).thresholds.neighbours is None


def test_a_proposal_re_asks_only_the_most_recent_labelled_questions(monkeypatch):
    from types import SimpleNamespace

    from knowledge_base.faqs import local_proposal as lp

    asked: list[str] = []

    def channels(q: str, leave_out: object = None) -> SimpleNamespace:
        asked.append(q)
        return SimpleNamespace(cand=[])

    kb = SimpleNamespace(entries=[SimpleNamespace(id="e1", alternatives=())], thresholds=default_thresholds(),
                         analyzer=SimpleNamespace(analyse=lambda q: q), channels=channels)
    monkeypatch.setattr(lp, "MAX_LABELLED", 3)
    fit = lp.propose(kb, 0.97, [(f"in {i}", "e1") for i in range(5)] + [("gone", "e9")],
                     [f"out {i}" for i in range(4)])
    assert asked == ["in 2", "in 3", "in 4", "out 1", "out 2", "out 3"]
    assert fit.threshold is None and fit.n_in == 0


def test_a_labelled_question_since_added_to_its_entry_is_asked_with_it_left_out(fake_encoder, small_entries):
    """After "accept every suggestion" each labelled question is an alternative: asked as is, it would be an
    exact match and tell the proposal nothing about the next citizen's wording."""
    import dataclasses

    from knowledge_base.engine.search import KnowledgeBase
    from knowledge_base.faqs import local_proposal as lp

    q = "ابي ارجع كلمة السر حقتي"
    widened = [dataclasses.replace(e, alternatives=(*e.alternatives, f"  {q}؟")) if e.id == "pw-reset" else e
               for e in small_entries]
    kb = KnowledgeBase.build(widened, encoder=fake_encoder)
    gold = [e.id for e in kb.entries].index("pw-reset")
    leave = lp._left_out(kb, q, gold)
    assert leave is not None and leave.field == int(kb.offsets[gold]) + 1 + 2  # its third alternative
    assert lp._left_out(kb, q, None) is None and lp._left_out(kb, "سؤال آخر", gold) is None
    aq = kb.analyzer.analyse(q)
    as_is, left_out = kb.channels(aq), kb.channels(aq, leave)
    at = lambda ch: float(ch.dense[list(ch.cand).index(gold)])  # noqa: E731
    assert at(left_out) < at(as_is) - 0.1
