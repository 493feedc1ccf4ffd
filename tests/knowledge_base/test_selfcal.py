"""Build-time self-calibration: leave-one-out channels and the corpus profile (fake encoder: unit level)."""

from __future__ import annotations

import dataclasses

import numpy as np

from knowledge_base.engine.gate import ALL_FEATURES, on_corpus_scale
from knowledge_base.engine.search import KnowledgeBase, LeaveOut
from knowledge_base.engine.selfcal import corpus_profile, pseudo_questions
from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.tuning.rank_fit import fit_rank_weights
from knowledge_base.tuning.transfer import Budgets, Labelled, answer_threshold, scope_threshold
from tests.knowledge_base.conftest import entry

ENTRIES = [entry(f"e{i}", f"سؤال رقم {i} عن خدمة {w}", f"جواب {w}", (f"طلب {w} جديد", f"استفسار {w} عاجل"))
           for i, w in enumerate(["الرخصة", "الموعد", "البطاقة", "الشكوى", "الإقامة", "التأشيرة", "الراتب",
                                  "العقد", "الإجازة", "النقل", "الكفالة", "التأمين"])]


def test_leave_out_hides_a_field_or_a_whole_entry(fake_encoder) -> None:
    kb = KnowledgeBase.build(ENTRIES, encoder=fake_encoder, thresholds=Thresholds())
    aq = kb.analyzer.analyse("طلب الرخصة جديد")
    full = kb.channels(aq)
    field = int(kb.offsets[0]) + 1  # e0's first alternative: the very text asked
    hidden = kb.channels(aq, LeaveOut(field=field))
    i_full, i_hid = int(np.flatnonzero(full.cand == 0)[0]), int(np.flatnonzero(hidden.cand == 0)[0])
    assert hidden.dense[i_hid] < full.dense[i_full] and hidden.lex[i_hid] <= full.lex[i_full]
    assert 0 not in kb.channels(aq, LeaveOut(entry=0)).cand


def test_profile_places_paraphrases_above_near_misses(fake_encoder) -> None:
    kb = KnowledgeBase.build(ENTRIES, encoder=fake_encoder, thresholds=Thresholds())
    assert len(pseudo_questions(kb)) == 24 and len(pseudo_questions(kb, sample=5)) == 5
    profile = corpus_profile(kb)
    assert profile is not None and profile["questions"] == 24
    assert profile["inside"]["top"] > profile["outside"]["top"]
    assert on_corpus_scale(profile["inside"]["top"], "top", profile) == 1.0
    assert on_corpus_scale(profile["outside"]["top"], "top", profile) == 0.0
    assert on_corpus_scale(0.5, "top", None) == 0.0


def test_a_corpus_too_small_to_measure_gets_no_profile(fake_encoder) -> None:
    kb = KnowledgeBase.build(ENTRIES[:3], encoder=fake_encoder, thresholds=Thresholds())
    assert corpus_profile(kb) is None


def _labelled(name: str, p_good: list[float], good: list[bool], ins: list[bool]) -> tuple[Labelled, np.ndarray]:
    n = len(good)
    lab = Labelled(name, [], {"corpus": name}, np.zeros((n, len(ALL_FEATURES))), np.full(n, 3), np.array(good),
                   np.array(ins))
    return lab, np.array(p_good)


def test_thresholds_hold_on_the_worst_corpus() -> None:
    # Corpus a: an out-of-scope question at 0.9; corpus b: clean. A mean over corpora would allow 0.9.
    a, pa = _labelled("a", [0.95, 0.9, 0.5, 0.4], [True, False, True, True], [True, False, True, True])
    b, pb = _labelled("b", [0.95, 0.92, 0.3, 0.2], [True, True, False, True], [True, True, True, False])
    t = answer_threshold([a, b], [pa, pb], Budgets(wrong=0.0, ood_answered=0.0, in_scope_handoff=0.0))
    assert 0.9 < t <= 0.95
    answered = [pa >= t, pb >= t]
    ts = scope_threshold([a, b], [pa, pb], answered, Budgets(in_scope_handoff=0.0))
    assert ts <= 0.3  # no in-scope question of either corpus may fall under it


def test_rank_weights_follow_the_channel_that_ranks(fake_encoder) -> None:
    from knowledge_base.tuning.evaluate import Scored

    kb = KnowledgeBase.build(ENTRIES, encoder=fake_encoder, thresholds=Thresholds())
    scored = []
    for i, e in enumerate(ENTRIES):
        ch = kb.channels(kb.analyzer.analyse(e.alternatives[1]))
        # the dense channel puts the right entry second: only the lexical ones know it is first
        dense = ch.dense.copy()
        dense[ch.cand == i] = np.sort(dense)[-2] if len(dense) > 1 else dense[ch.cand == i]
        scored.append(Scored(e.alternatives[1], i, "msa", dataclasses.replace(ch, dense=dense)))
    w = fit_rank_weights(scored, Thresholds(alpha=0.55, beta=0.1))
    assert w.alpha == 0.55 and (w.gamma or 0) + w.beta > 0.6, w  # start: 0.35 + 0.1
