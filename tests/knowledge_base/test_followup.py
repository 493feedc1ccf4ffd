"""Follow-up detection and contextual search: unit cases with a scripted index, and the real demo index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from knowledge_base.corpus import FaqEntry
from knowledge_base.followup import (
    PreviousAnswer,
    contextual_search,
    has_own_topic,
    is_followup,
    previous_answer,
    resolve,
    topic_of,
)
from knowledge_base.search import Candidate, KnowledgeBase, SearchContext, SearchResult
from knowledge_base.thresholds import Thresholds

ROOT = Path(__file__).resolve().parents[2]
INDEX_DIR = Path(os.environ.get("KB_INDEX_DIR", str(ROOT / "var" / "index")))


@pytest.mark.parametrize(
    "text", ["وكم رسومها؟", "وين اقدمها؟", "والرسوم؟", "ومتى تنتهي؟", "and the fee?", "طيب والشروط", "الشروط؟",
             "وش الاوراق؟", "what about its cost"],
)
def test_short_anaphoric_messages_are_followups(text: str) -> None:
    assert is_followup(text)


@pytest.mark.parametrize(
    "text", ["كيف اسجل في الضمان الاجتماعي", "متى ينزل الضمان", "كم رسوم رخصة العمل للعامل المنزلي", "مرحبا",
             "how do I book an appointment at the branch", "وش الاوراق المطلوبة لبطاقة الاعاقة"],
)
def test_self_contained_questions_are_not(text: str) -> None:
    assert not is_followup(text)


def test_topic_drops_question_words() -> None:
    assert topic_of("كيف أصدر بطاقة ذوي الإعاقة؟") == "اصدر بطاقه ذوي الاعاقه"


def test_resolve_drops_conjunction_and_back_reference() -> None:
    assert resolve("وكم رسومها؟") == "كم رسوم"
    assert resolve("and the fee?") == "the fee"


def test_own_topic() -> None:
    assert not has_own_topic("وكم رسومها؟")
    assert has_own_topic("وكم رسوم الضمان؟")


def _entry(eid: str, category: str, question: str) -> FaqEntry:
    return FaqEntry(eid, category, question, (), "…")


ISSUE = _entry("card-issue", "card", "كيف أصدر بطاقة ذوي الإعاقة؟")
FEE = _entry("card-fee", "card", "كم رسوم بطاقة ذوي الإعاقة؟")
DOCS = _entry("card-docs", "card", "ما مستندات بطاقة ذوي الإعاقة؟")
VISA_FEE = _entry("transfer-fee", "transfer", "كم رسوم نقل الخدمات؟")


class ScriptedKB:
    def __init__(self, results: dict[str, list[tuple[FaqEntry, float]]]) -> None:
        self.results = results
        self.queries: list[tuple[str, SearchContext | None]] = []
        self.thresholds = Thresholds(answer_score=0.75, answer_margin=0.03, clarify_score=0.6)
        self._by_id = {e.id: e for e in (ISSUE, FEE, DOCS, VISA_FEE)}

    def search(self, text: str, top_k: int = 10, context: SearchContext | None = None) -> SearchResult:
        self.queries.append((text, context))
        cands = [Candidate(e, s) for e, s in self.results.get(text, [])]
        top = cands[0].score if cands else None
        margin = cands[0].score - cands[1].score if len(cands) > 1 else 1.0
        return SearchResult(self.thresholds.decide(top, margin), cands[:top_k])

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)


PREV = PreviousAnswer("card-issue", "card", ISSUE.question)


def test_followup_stays_in_topic_and_skips_the_previous_answer() -> None:
    joined = "كم رسوم اصدر بطاقه ذوي الاعاقه"
    kb = ScriptedKB({
        "وكم رسومها؟": [(VISA_FEE, 0.92), (FEE, 0.8)],  # alone, the fee of another service wins
        joined: [(ISSUE, 0.85), (FEE, 0.82), (VISA_FEE, 0.7), (DOCS, 0.6)],
    })
    result, used = contextual_search(kb, "وكم رسومها؟", PREV)
    assert used
    assert [c.id for c in result.candidates] == ["card-fee", "card-docs"]
    assert result.decision == "answer"
    assert kb.queries[1] == (joined, SearchContext("card-issue", "card"))


def test_plain_question_is_searched_once_with_context() -> None:
    kb = ScriptedKB({"كيف احجز موعد": [(DOCS, 0.9)]})
    result, used = contextual_search(kb, "كيف احجز موعد", PREV)
    assert not used and len(kb.queries) == 1 and kb.queries[0][1] == SearchContext("card-issue", "card")
    assert result.candidates[0].id == "card-docs"


def test_change_of_subject_wins_over_context() -> None:
    kb = ScriptedKB({
        "وكم رسوم نقل الخدمات": [(VISA_FEE, 0.95), (FEE, 0.7)],
        "كم رسوم نقل الخدمات اصدر بطاقه ذوي الاعاقه": [(FEE, 0.8), (VISA_FEE, 0.79)],
    })
    result, used = contextual_search(kb, "وكم رسوم نقل الخدمات", PREV)
    assert not used and result.candidates[0].id == "transfer-fee"


def test_no_previous_answer_means_no_context() -> None:
    kb = ScriptedKB({"وكم رسومها؟": [(VISA_FEE, 0.92)]})
    assert previous_answer(kb, None) is None and previous_answer(kb, "deleted") is None
    _, used = contextual_search(kb, "وكم رسومها؟", None)
    assert not used and kb.queries == [("وكم رسومها؟", None)]


@pytest.fixture(scope="module")
def real_kb() -> KnowledgeBase:
    if not (INDEX_DIR / "manifest.json").exists():
        pytest.fail(f"no index at {INDEX_DIR}: run `make index` first")
    return KnowledgeBase.load(INDEX_DIR)


@pytest.mark.parametrize(
    ("previous", "text", "expected"),
    [
        ("disability-card-issue", "وكم رسومها؟", "disability-card-fee"),
        ("disability-card-issue", "and the fee?", "disability-card-fee"),
        ("disability-card-issue", "وكم تاخذ وقت؟", "disability-card-processing-time"),
        ("complaints-submit", "وكم ياخذ وقت الرد؟", "complaints-response-time"),
        ("disability-card-issue", "كيف احجز موعد", "appointments-book"),
    ],
)
def test_real_index_followups(real_kb: KnowledgeBase, previous: str, text: str, expected: str) -> None:
    """The entry ranked first; whether it is answered or offered depends on the index's fitted thresholds."""
    result, _ = contextual_search(real_kb, text, previous_answer(real_kb, previous))
    assert result.candidates[0].id == expected


def test_real_index_fee_followup_is_answered_or_offered_first(real_kb: KnowledgeBase) -> None:
    result, used = contextual_search(real_kb, "وكم رسومها؟", previous_answer(real_kb, "disability-card-issue"))
    assert used and result.decision in ("answer", "clarify")
    assert result.candidates[0].id == "disability-card-fee"
