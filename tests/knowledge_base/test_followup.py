"""Follow-up detection and contextual search: unit cases with a scripted index, and the real demo index."""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from pathlib import Path

import pytest

from knowledge_base.engine.corpus import FaqEntry, load_corpus
from knowledge_base.engine.followup import (
    PreviousAnswer,
    contextual_search,
    has_own_topic,
    is_followup,
    previous_answer,
    resolve,
    topic_of,
)
from knowledge_base.engine.gate import FEATURES, AnswerGate
from knowledge_base.engine.search import Candidate, KnowledgeBase, SearchContext, SearchResult
from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.tuning.evaluate import read_jsonl
from knowledge_base.tuning.followup_eval import DEFAULT_SET, evaluate

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


@pytest.mark.parametrize(
    "text", ["and how long does it usually take?", "what if I miss the appointment?", "ولو تأخرت عن الموعد؟",
             "وإذا رفضوا الطلب وين اشتكي؟", "فلو ما عندي هوية؟", "والتجديد بكم؟", "زين والشروط؟", "اوكي وين اقدم؟",
             "but I am not Saudi", "wmata yenzel?", "بكم؟", "والـ deadline متى؟"],
)
def test_conditional_openers_markers_and_english_length_are_followups(text: str) -> None:
    """English and Arabizi spell out what Arabic attaches, so 7 Latin words still fit the 5-word limit."""
    assert is_followup(text)


@pytest.mark.parametrize(
    "text", ["واذا ابي اجدد الاقامة وش اسوي", "اذا ابي اجدد الاقامة", "if I want to renew my iqama what do I do",
             "how do I renew my disability card", "what is the weather in Riyadh tomorrow", "والله ما فهمت",
             "والدي متقاعد وش حقوقه", "wain el far3", "what about the weather tomorrow"],
)
def test_new_questions_with_openers_or_latin_words_are_not(text: str) -> None:
    """A whole question with its own topic (6+ words), a condition without the joining "و", "والله"/"والدي"
    (not "و" + "ال"), and Latin questions with no opener or back-reference are searched plainly."""
    assert not is_followup(text)


def test_latin_words_weigh_two_thirds() -> None:
    assert is_followup("and what is the fee to apply")  # 7 Latin words: 4.7
    assert not is_followup("and what is the fee to apply online")  # 8: 5.3
    assert not is_followup("وش الرسوم المطلوبه للتقديم على الطلب")  # 6 Arabic words


def test_resolve_strips_joined_conditions_and_articles() -> None:
    assert resolve("ولو ما قدرت احضر؟") == "لو ما قدرت احضر"
    assert resolve("والتجديد بكم؟") == "التجديد بكم"
    assert resolve("زين والـ OTP") == "otp"
    assert not has_own_topic("wkam?") and not has_own_topic("what about the fee?")


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
REPLACE = _entry("card-replace", "card", "كيف أبدل بطاقة ذوي الإعاقة التالفة؟")


RULE = Thresholds(answer_score=0.75, answer_margin=0.03, clarify_score=0.6)
# Any fitted gate: the scripted searches decide by the rule (they pass no gate input); only its presence matters.
GATED = dataclasses.replace(RULE, answer_gate=AnswerGate(
    (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES), 0.0, 0.5).to_dict())


class ScriptedKB:
    def __init__(self, results: dict[str, list[tuple[FaqEntry, float]]], thresholds: Thresholds = RULE) -> None:
        self.results = results
        self.queries: list[tuple[str, SearchContext | None]] = []
        self.thresholds = thresholds
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


JOINED_FEE = "كم رسوم اصدر بطاقه ذوي الاعاقه"


def test_with_a_gate_an_answer_no_gated_search_gave_is_only_offered() -> None:
    """Alone the gate answers another service's fee, joined the previous entry: the rule's answer is
    the card fee, which no search through the gate answered, so it is offered instead."""
    results = {"وكم رسومها؟": [(VISA_FEE, 0.92), (FEE, 0.8)],
               JOINED_FEE: [(ISSUE, 0.85), (FEE, 0.82), (VISA_FEE, 0.7), (DOCS, 0.6)]}
    assert contextual_search(ScriptedKB(results), "وكم رسومها؟", PREV)[0].decision == "answer"
    result, used = contextual_search(ScriptedKB(results, GATED), "وكم رسومها؟", PREV)
    assert used and result.decision == "clarify"
    assert [c.id for c in result.options] == ["card-fee", "card-docs"]


def test_with_a_gate_an_answer_the_gate_gave_for_the_same_entry_is_kept() -> None:
    kb = ScriptedKB({"وكم رسومها؟": [(FEE, 0.9), (VISA_FEE, 0.7)],
                     JOINED_FEE: [(ISSUE, 0.85), (FEE, 0.82), (DOCS, 0.6)]}, GATED)
    result, used = contextual_search(kb, "وكم رسومها؟", PREV)
    assert used and result.decision == "answer" and result.candidates[0].id == "card-fee"


def test_the_gate_never_upgrades_what_the_rule_offers() -> None:
    """The message alone was answered (card fee), but the reranked lead is too small for the rule."""
    kb = ScriptedKB({"وكم رسومها؟": [(FEE, 0.84), (DOCS, 0.80)],
                     JOINED_FEE: [(ISSUE, 0.85), (FEE, 0.7), (DOCS, 0.69)]}, GATED)
    assert kb.search("وكم رسومها؟").decision == "answer"
    result, _ = contextual_search(kb, "وكم رسومها؟", PREV)
    assert result.decision == "clarify" and result.candidates[0].id == "card-fee"


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


def test_a_sibling_the_message_alone_answers_is_answered_as_is() -> None:
    """"ولو كنت مقيم؟" names its own topic and alone is answered with another entry of the previous
    category: the follow-up reading would tie fee and documents and only offer them."""
    text = "ولو كنت مقيم؟"
    joined = f"{resolve(text)} {topic_of(ISSUE.question)}"
    kb = ScriptedKB({text: [(FEE, 0.9), (DOCS, 0.8)], joined: [(ISSUE, 0.9), (DOCS, 0.9), (FEE, 0.8)]}, GATED)
    assert is_followup(text) and has_own_topic(text)
    result, used = contextual_search(kb, text, PREV)
    assert not used and result.decision == "answer" and result.candidates[0].id == "card-fee"


def test_a_followup_with_its_own_topic_keeps_its_own_best_match_offered() -> None:
    """"واذا ابي اجدد الاقامة" may be a new question: the joined text pulls the card entries up, but the
    message's own best match (which alone only clarified) stays among the three options."""
    text = "واذا ابي اجدد الاقامة"
    joined = f"{resolve(text)} {topic_of(ISSUE.question)}"
    kb = ScriptedKB({text: [(VISA_FEE, 0.7), (FEE, 0.65)],
                     joined: [(ISSUE, 0.9), (FEE, 0.8), (DOCS, 0.79), (REPLACE, 0.78), (VISA_FEE, 0.3)]})
    result, used = contextual_search(kb, text, PREV)
    assert used and result.decision == "clarify"
    assert [c.id for c in result.options] == ["card-fee", "card-docs", "transfer-fee"]
    assert [c.id for c in result.candidates].count("transfer-fee") == 1


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
        ("disability-card-issue", "and how long does it take?", "disability-card-processing-time"),
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


def test_followup_set_is_well_formed() -> None:
    """tests/data/followups.jsonl: published ids only, enough dialect, out-of-scope and changes of subject."""
    rows = read_jsonl([DEFAULT_SET])
    ids = {e.id for e in load_corpus(ROOT / "knowledge_base" / "corpus") if e.status == "published"}
    assert len(rows) >= 80 and all(r["previous"] in ids and r["gold"] in ids | {None} for r in rows)
    assert all(r["gold"] != r["previous"] for r in rows)  # the citizen already has the previous answer
    styles = Counter(r["style"] for r in rows)
    assert set(styles) == {"gulf", "msa", "english", "arabizi", "mixed"} and styles["gulf"] >= 0.35 * len(rows)
    assert sum(r["gold"] is None for r in rows) >= 15


def test_real_index_followup_set(real_kb: KnowledgeBase) -> None:
    """Measured with the transfer-fitted gates (answer and scope): top-1 0.901 (118 of 131), self-service
    0.947 (124), answered right 0.206 (27; 0.275 with the previous dev-fitted gate, which answered more
    near misses on new corpora), wrong 0 of 131, out-of-scope answered 2 of 32. Bounds leave 2-3 turns."""
    r = evaluate(real_kb, read_jsonl([DEFAULT_SET]))
    assert r["top1"] >= 0.88, r
    assert r["self_service"] >= 0.94, r
    assert r["answered_right"] >= 0.19, r  # an index that only ever offers options fails here
    assert r["wrong_answers"] <= 0.02, r
    assert r["ood_answered"] <= 0.07, r
