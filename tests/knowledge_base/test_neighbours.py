"""Answering from labelled neighbours: the lead without self-matches, the choice within its budgets, the
serving rule, the record an editor applies (label texts kept, shown as counts) and its attachment."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from knowledge_base.engine.embcache import MemoryEmbeddingCache, encode_queries_cached, query_model
from knowledge_base.engine.neighbours import Neighbours, from_record, nearest
from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.faqs.answer_threshold import summary
from knowledge_base.faqs.local_neighbours import FLOOR, choose, nearest_without_self
from knowledge_base.faqs.local_threshold import Evidence, LocalFit, with_neighbours


def test_lead_compares_each_label_without_itself():
    v = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]])
    ood = np.array([False, False, True])
    # In-scope 0's nearest other in-scope is 1 (0.8); the only out-of-scope label has no other one (-1).
    s_in, s_out = nearest_without_self(v, ood)
    assert s_in == pytest.approx([0.8, 0.8, 0.6]) and s_out == pytest.approx([0.0, 0.6, -1.0])
    # A new question is compared with every label.
    s_in, s_out = nearest(np.array([[1.0, 0.0]]), v[:2], v[2:])
    assert (s_in, s_out) == (pytest.approx([1.0]), pytest.approx([0.0]))
    assert nearest(np.array([[1.0, 0.0]]), v[:2], v[:0])[1] == pytest.approx([-1.0])  # no "not covered" label yet


P = np.array([0.99, 0.9, 0.9, 0.9, 0.9, 0.72])
OOD = np.array([False, False, False, False, True, False])
GOOD = np.array([True, True, True, False, False, True])
LEAD = np.array([0.1, 0.05, 0.04, 0.0, 0.05, 0.2])
ALL = np.ones(6, bool)


def test_choice_takes_the_most_right_answers_within_the_budgets():
    base = P >= 0.95
    # k = 1 out of scope, no wrong answer (1 % of 5 in scope rounds to 0): t low enough for the one at 0.72,
    # m low enough for the right one at 0.04 and above the wrong one at 0.0; the largest such m (the safest).
    assert choose(P, OOD, GOOD, LEAD, base, 1, 0.01, ALL) == (0.7, 0.03)
    # k = 0: the out-of-scope question's lead (0.05) passes every m, so every t that gains also answers it.
    assert choose(P, OOD, GOOD, LEAD, base, 0, 0.01, ALL) is None
    assert choose(P, OOD, GOOD, np.full(6, -1.0), base, 1, 0.01, ALL) is None  # nothing gains


def test_a_question_far_from_every_in_scope_label_neither_counts_nor_lowers_the_confidence_needed():
    base = P >= 0.95
    far = ALL & (np.arange(6) != 5)  # the one at 0.72 has no in-scope label near it
    assert choose(P, OOD, GOOD, LEAD, base, 1, 0.01, far) == (0.9, 0.03)
    # The out-of-scope one far from every label no longer uses up the allowance either: k = 0 now gains.
    assert choose(P, OOD, GOOD, LEAD, base, 0, 0.01, ALL & ~OOD) == (0.7, 0.03)


def _fit(threshold: float | None) -> LocalFit:
    return LocalFit(threshold, "", 5, 1, 1, 0.95, 0.2, 0.2)


def test_the_fit_keeps_the_rule_and_its_labels_only_when_it_gains():
    ev = Evidence(P, OOD, GOOD)
    texts = [f"q{i}" for i in range(6)]
    # The in-scope labels cluster, the out-of-scope one stands apart: the right one at 0.72 is gained.
    v = [np.array([1.0, 0.0]), np.array([0.99, 0.14]), np.array([0.98, 0.2]), np.array([0.6, 0.8]),
         np.array([0.0, 1.0]), np.array([0.97, 0.24])]
    fit = with_neighbours(_fit(0.95), ev, v, texts)
    assert fit.near_threshold is not None and fit.right_at_near > fit.right_at_local
    assert fit.near_floor == FLOOR and fit.record()["near_floor"] == FLOOR
    assert fit.labels == (("q0", "q1", "q2", "q3", "q5"), ("q4",))
    rec = fit.record()
    assert rec["neighbours"] == {"inside": ["q0", "q1", "q2", "q3", "q5"], "outside": ["q4"]}
    assert "labels" not in fit.to_dict() and "neighbours" not in fit.to_dict()  # the editor's proposal
    assert summary(rec)["neighbours"] == {"inside": 5, "outside": 1}
    assert with_neighbours(_fit(None), ev, v, texts).near_threshold is None  # no local threshold, no rule


def test_the_rule_answers_a_confident_question_nearer_to_in_scope_labels():
    near = Neighbours(0.8, 0.02, np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    close_in, close_out = np.array([0.96, 0.28]), np.array([0.28, 0.96])
    assert near.decide(close_in, 0.85, menu=False) == "answer"
    assert near.decide(close_in, 0.79, menu=False) != "answer"       # the gate is not confident enough
    assert near.decide(close_out, 0.99, menu=False) != "answer"      # it lies nearer to a "not covered" question
    assert near.decide(None, 0.99, menu=False) != "answer"           # no query vector (a caller without one)
    # With a floor, the nearest in-scope label must be that close in its own right (0.96 here).
    assert dataclasses.replace(near, floor=0.97).decide(close_in, 0.85, menu=False) != "answer"
    assert dataclasses.replace(near, floor=0.95).decide(close_in, 0.85, menu=False) == "answer"
    th = Thresholds(neighbours=near)
    assert "neighbours" not in th.to_dict() and Thresholds.from_dict(th.to_dict()).neighbours is None
    assert th.with_local({"threshold": 0.9, "neighbours": {"inside": ["x"]}}).answer_gate is None  # no gate


class _Enc:
    name, dim, calls = "fake", 2, 0

    def load(self) -> None:
        pass

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        type(self).calls += len(texts)
        return np.array([[1.0, 0.0] if "ok" in t else [0.0, 1.0] for t in texts], np.float32)


def test_the_record_is_attached_with_cached_vectors_and_a_bad_one_is_ignored():
    kb = SimpleNamespace(encoder=_Enc(), analyzer=SimpleNamespace(analyse=lambda q: SimpleNamespace(dense_text=q)))
    cache = MemoryEmbeddingCache()
    rec = {"threshold": 0.9, "near_threshold": 0.8, "near_margin": 0.01,
           "neighbours": {"inside": ["ok 1", "ok 2", " "], "outside": ["no"]}}
    near = from_record(kb, rec, cache)
    assert near is not None and near.inside.shape == (2, 2) and near.outside.shape == (1, 2) and _Enc.calls == 3
    assert near.floor is None  # applied before the floor: served as it was reviewed
    assert from_record(kb, {**rec, "near_floor": 0.9}, cache).floor == 0.9  # type: ignore[union-attr]
    from_record(kb, rec, cache)
    assert _Enc.calls == 3  # a rebuild encodes nothing it has seen
    assert cache.get_many(query_model(kb.encoder), []) == {}
    assert from_record(kb, {**rec, "near_margin": "x"}, cache) is None
    assert from_record(kb, {**rec, "neighbours": None}, cache) is None
    assert from_record(kb, {"threshold": 0.9}, cache) is None
    assert encode_queries_cached(kb.encoder, [], cache).shape == (0, 2)


def test_a_menu_becomes_not_ours_only_within_the_scope_budget():
    from knowledge_base.faqs.local_neighbours import choose_outside

    ood = np.array([False] * 100 + [True, True])
    lead = np.zeros(102)
    menu = np.ones(102, bool)
    lead[100], lead[101] = -0.08, -0.02          # the two near misses lie nearer to "not covered" labels
    lead[0] = -0.04                               # one in-scope question too
    assert choose_outside(lead, menu, ood, 1) == 0.01      # 1 of 100 in scope may be told: both misses are
    assert choose_outside(lead, menu, ood, 0) == 0.05      # none may: only the clearer miss
    assert choose_outside(lead, menu, ood, -1) is None     # too few labels for any
    menu[100] = menu[101] = False                           # neither was shown a menu: nothing to gain
    assert choose_outside(lead, menu, ood, 1) is None


def test_the_verdict_says_which_neighbours_rule_decided():
    from knowledge_base.engine.channels import Channels
    from knowledge_base.engine.gate import GateReport

    class Gate:
        def __init__(self, confidence: float) -> None:
            self.confidence = confidence

        def report(self, gi: object) -> GateReport:
            return GateReport(3, 2, self.confidence, 0.97)

    near = Neighbours(0.8, 0.02, np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), m_out=0.05)
    ch = Channels(np.arange(2), np.array([1.0, 0.5]), np.array([1.0, 0.2]), np.array([1.0, 0.2]), np.zeros(2),
                  n_tokens=4, n_entries=2)
    for q, confidence, decision, by in ((np.array([0.96, 0.28]), 0.9, "answer", "answer"),
                                        (np.array([0.28, 0.96]), 0.5, "handoff", "outside"),
                                        (np.array([0.7, 0.7]), 0.5, "clarify", "")):
        th = Thresholds(neighbours=near)
        th.__dict__["gate"] = Gate(confidence)  # the cached gate model, replaced for the test
        v = Channels(**{**ch.__dict__, "q": q}).decide(th, ch.fused(th))
        assert (v.decision, v.near) == (decision, by)


def test_short_questions_are_never_told_not_ours_by_a_rule_learned_from_use():
    """A two- or three-word question ("صلاحية تأميني") is ambiguous rather than foreign: the learned scope
    threshold and the neighbours' "not ours" half leave it the menu the shipped thresholds give."""
    from knowledge_base.engine.channels import SHORT_TOKENS, Channels
    from knowledge_base.engine.gate import GateReport

    class Gate:
        def __init__(self, confidence: float, needed: float, min_agree: int = 2) -> None:
            self.confidence, self.needed, self.min_agree = confidence, needed, min_agree

        def report(self, gi: object) -> GateReport:
            return GateReport(3, self.min_agree, self.confidence, self.needed)

    near = Neighbours(None, None, np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), m_out=0.05)
    ch = Channels(np.arange(2), np.array([1.0, 0.5]), np.array([1.0, 0.2]), np.array([1.0, 0.2]), np.zeros(2),
                  n_entries=2)
    from knowledge_base.engine.thresholds import default_thresholds

    shipped = dataclasses.replace(default_thresholds(), profile=None)
    learned = shipped.with_local({"threshold": 0.97, "scope_threshold": 0.4, "scope_shipped": 0.26})
    assert learned.scope_short == 0.26
    for tokens, q, scope, decision in ((SHORT_TOKENS, np.array([0.7, 0.7]), 0.3, "clarify"),  # shipped: menu
                                       (SHORT_TOKENS + 1, np.array([0.7, 0.7]), 0.3, "handoff"),  # learned
                                       (SHORT_TOKENS, np.array([0.7, 0.7]), 0.2, "handoff"),  # below shipped
                                       (SHORT_TOKENS, np.array([0.28, 0.96]), 0.5, "clarify"),  # near "not ours"
                                       (SHORT_TOKENS + 1, np.array([0.28, 0.96]), 0.5, "handoff")):
        th = dataclasses.replace(learned, neighbours=near)
        th.__dict__["gate"], th.__dict__["scope"] = Gate(0.5, 0.97), Gate(scope, 0.4, 0)
        v = Channels(**{**ch.__dict__, "q": q, "n_tokens": tokens}).decide(th, ch.fused(th))
        assert v.decision == decision, (tokens, scope)
    # Without a learned scope threshold every question has the same one.
    assert shipped.scope_short is None


def test_the_vectors_an_editor_saw_are_shared_so_the_rebuild_encodes_none():
    from knowledge_base.engine.neighbours import remember

    class NoEncoding(_Enc):
        def encode_queries(self, texts: list[str]) -> np.ndarray:
            raise AssertionError("encoded again")

    asked = {"ok a": np.array([1.0, 0.0], np.float32), "no b": np.array([0.0, 1.0], np.float32)}
    analyse = SimpleNamespace(analyse=lambda q: SimpleNamespace(dense_text=q))
    cache = MemoryEmbeddingCache()
    remember(SimpleNamespace(encoder=_Enc(), analyzer=analyse, query_vector=asked.__getitem__), list(asked), cache)
    rebuilt = SimpleNamespace(encoder=NoEncoding(), analyzer=analyse)
    rec = {"threshold": 0.9, "near_threshold": 0.8, "near_margin": 0.0, "near_outside": 0.02,
           "neighbours": {"inside": ["ok a"], "outside": ["no b"]}}
    near = from_record(rebuilt, rec, cache)
    assert near is not None and near.m_out == 0.02 and near.inside.tolist() == [[1.0, 0.0]]


def test_an_applied_rule_looser_than_the_labels_now_support_is_flagged():
    from knowledge_base.faqs.local_threshold import near_stale

    applied = {"threshold": 0.97, "near_threshold": 0.8, "near_margin": 0.01, "near_outside": 0.03}
    same = LocalFit(0.97, "", 200, 200, 1, 0.96, 0.2, 0.2, near_threshold=0.8, near_margin=0.01, near_outside=0.03)
    assert not near_stale(applied, same)
    assert not near_stale(None, same) and not near_stale(applied, _fit(None))
    assert near_stale(applied, dataclasses.replace(same, near_threshold=0.85))        # a higher confidence
    assert near_stale(applied, dataclasses.replace(same, near_margin=0.02))           # a larger lead
    assert near_stale(applied, dataclasses.replace(same, near_floor=0.9))             # a floor where none was
    assert not near_stale({**applied, "near_floor": 0.9}, dataclasses.replace(same, near_floor=0.9))
    assert near_stale(applied, dataclasses.replace(same, near_threshold=None, near_margin=None))  # no rule now
    assert near_stale(applied, dataclasses.replace(same, near_outside=None))          # no "not ours" half now
    assert not near_stale(applied, dataclasses.replace(same, near_threshold=0.7, near_outside=0.02))  # stricter
    assert not near_stale({"threshold": 0.97}, same)                                  # no rule applied
