from __future__ import annotations

import dataclasses
import json

import pytest

from knowledge_base.engine.embcache import MemoryEmbeddingCache, SqliteEmbeddingCache
from knowledge_base.engine.errors import CorpusError, EmptyQueryError, IndexMismatchError
from knowledge_base.engine.search import KnowledgeBase, SearchContext
from knowledge_base.engine.thresholds import Thresholds

TH = Thresholds(alpha=0.5, beta=0.2, answer_score=1.0, answer_margin=0.3, clarify_score=0.3)


@pytest.fixture
def kb(small_entries, fake_encoder):
    return KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=TH)


def test_only_published_entries_are_served(kb):
    assert {e.id for e in kb.entries} == {"pw-reset", "permit-fee", "permit-issue", "book"}
    assert kb.get("draft-1") is None and kb.get("book").category == "المواعيد"


def test_dialect_query_finds_its_entry_and_is_answered(kb):
    res = kb.search("ابغى اعرف كم رسوم رخصة العمل")
    assert res.candidates[0].id == "permit-fee"
    assert res.decision == "answer"
    assert res.candidates[0].answer.startswith("الرسوم")
    assert res.candidates[0].score >= res.candidates[1].score


def test_close_pair_is_ranked_by_its_distinguishing_words(kb):
    assert kb.search("إصدار رخصة عمل لعامل جديد").candidates[0].id == "permit-issue"
    assert kb.search("تكلفة رخصة العمل").candidates[0].id == "permit-fee"


def test_unrelated_question_is_handed_off(kb):
    res = kb.search("ما هي عاصمة اليابان")
    assert res.decision == "handoff"
    assert res.options == []


def test_clarify_offers_three_options(small_entries, fake_encoder):
    th = dataclasses.replace(TH, answer_score=99.0)  # never confident enough to answer directly
    kb = KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=th)
    res = kb.search("رخصة العمل", top_k=1)
    assert res.decision == "clarify"
    assert len(res.options) == 3 and {c.id for c in res.options[:2]} == {"permit-fee", "permit-issue"}


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_query_is_a_clear_error(kb, text):
    with pytest.raises(EmptyQueryError, match="empty query"):
        kb.search(text)


def test_long_query_is_truncated_and_flagged(kb):
    res = kb.search("كم رسوم رخصة العمل " + "ا" * 2000)
    assert res.truncated
    assert not kb.search("كم رسوم رخصة العمل").truncated


def test_context_category_breaks_near_ties(kb):
    plain = kb.search("رخصة")
    assert {c.id for c in plain.candidates[:2]} == {"permit-fee", "permit-issue"}
    other = next(c for c in plain.candidates[:2] if c.id != plain.candidates[0].id)
    boosted = kb.search("رخصة", context=SearchContext(previous_category="الرخص"))
    assert boosted.candidates[0].category == "الرخص"
    assert other.score < boosted.candidates[1].score + 0.05


def test_build_rejects_empty_answer(small_entries, fake_encoder):
    bad = [*small_entries, dataclasses.replace(small_entries[0], id="x", answer=" ")]
    with pytest.raises(CorpusError, match="answer"):
        KnowledgeBase.build(bad, encoder=fake_encoder)


def test_rebuild_after_an_edit_encodes_only_the_changed_texts(small_entries, fake_encoder, tmp_path):
    cache = SqliteEmbeddingCache(tmp_path / "emb.sqlite")
    KnowledgeBase.build(small_entries, encoder=fake_encoder, cache=cache)
    first = fake_encoder.passages_encoded
    edited = [dataclasses.replace(e, answer="رسوم جديدة 200 ريال.") if e.id == "permit-fee" else e
              for e in small_entries]
    kb = KnowledgeBase.build(edited, encoder=fake_encoder, cache=cache)
    assert fake_encoder.passages_encoded - first == 1  # only the question+answer text of that entry
    assert kb.search("كم رسوم رخصة العمل").candidates[0].answer == "رسوم جديدة 200 ريال."


def test_memory_cache_serves_repeated_builds(small_entries, fake_encoder):
    cache = MemoryEmbeddingCache()
    KnowledgeBase.build(small_entries, encoder=fake_encoder, cache=cache)
    n = fake_encoder.passages_encoded
    KnowledgeBase.build(small_entries, encoder=fake_encoder, cache=cache)
    assert fake_encoder.passages_encoded == n


def test_save_load_roundtrip_and_refusals(kb, fake_encoder, tmp_path):
    kb.save(tmp_path / "idx")
    loaded = KnowledgeBase.load(tmp_path / "idx", encoder=fake_encoder)
    assert loaded.thresholds == TH and [e.id for e in loaded.entries] == [e.id for e in kb.entries]
    assert loaded.search("تغيير كلمة المرور").candidates[0].id == "pw-reset"

    class Other(type(fake_encoder)):
        name = "fake:other-model"

    with pytest.raises(IndexMismatchError, match="python -m knowledge_base build"):
        KnowledgeBase.load(tmp_path / "idx", encoder=Other())
    m = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    m["normalizer_version"] = "0-old"
    (tmp_path / "idx" / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(IndexMismatchError, match="normaliser"):
        KnowledgeBase.load(tmp_path / "idx", encoder=fake_encoder)
    with pytest.raises(IndexMismatchError, match="no index found"):
        KnowledgeBase.load(tmp_path / "missing", encoder=fake_encoder)


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_index_finds_the_same_entries_as_flat(small_entries, fake_encoder, tmp_path, kind):
    flat = KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=TH, index_kind="flat")
    ann = KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=TH, index_kind=kind)
    ann.save(tmp_path / kind)
    ann = KnowledgeBase.load(tmp_path / kind, encoder=fake_encoder)
    assert ann.dense.kind == kind
    for q in ("نسيت كلمة السر", "حجز موعد", "رسوم رخصة العمل"):
        assert ann.search(q).candidates[0].id == flat.search(q).candidates[0].id


def test_corpus_without_published_entries_hands_everything_off(small_entries, fake_encoder):
    kb = KnowledgeBase.build([e for e in small_entries if e.status == "draft"], encoder=fake_encoder)
    assert kb.entries == []
    res = kb.search("كم رسوم رخصة العمل")
    assert res.decision == "handoff" and res.candidates == []


def test_query_about_something_the_entry_never_mentions_is_not_answered(small_entries, fake_encoder):
    th = dataclasses.replace(TH, answer_max_uncovered=0.3)
    kb = KnowledgeBase.build(small_entries, encoder=fake_encoder, thresholds=th)
    assert kb.search("كم رسوم رخصة العمل").decision == "answer"
    near_miss = kb.search("كم رسوم رخصة القيادة للسيارات الخاصة")  # shares "رسوم رخصة", asks another thing
    assert near_miss.candidates[0].id == "permit-fee"
    assert near_miss.decision != "answer"


def test_an_empty_corpus_serves_a_handoff_for_every_question(tmp_path):
    """Editors may unpublish everything: the engine must index nothing and hand every question off."""
    kb = KnowledgeBase.build([])
    result = kb.search("كم رسوم رخصة العمل؟")
    assert result.decision == "handoff" and result.candidates == [] and result.options == []
    assert kb.get("permit-fee") is None
    kb.save(tmp_path / "index")
    assert KnowledgeBase.load(tmp_path / "index").search("ابي موعد").decision == "handoff"


def test_small_talk_is_not_handled_here_whatever_words_it_shares(kb):
    """"what do you think of the work permit fees?" is a question; "what do you think of the weather?" is small
    talk even when it shares words with an entry: no options, "not handled here" (data/chitchat.yaml)."""
    talk = kb.search("وش رايك بالجو اليوم؟ بروح العمل مشي")
    assert talk.analysed is not None and talk.analysed.small_talk and talk.decision == "handoff"
    ch = kb.channels(talk.analysed)
    as_question = dataclasses.replace(ch, small_talk=False).decide(kb.thresholds, ch.fused(kb.thresholds))
    assert as_question.decision != "handoff", "the rule, not the scores, turned it away"
    asked = kb.search("وش رايك في رسوم رخصة العمل؟")
    assert asked.analysed is not None and not asked.analysed.small_talk and asked.decision != "handoff"
