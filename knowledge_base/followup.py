"""Multi-turn follow-ups: "وكم رسومها؟" after an answer about entry X is searched with X's topic.

A follow-up is a short message (at most 5 words) that leans on the previous answer: it opens with a
conjunction before a question or aspect word ("وكم"، "والرسوم"، "and the fee"), refers back with a pronoun
suffix ("اقدمها"، "رسومها") or names nothing of its own ("الشروط؟"، "وش الاوراق المطلوبة؟").

Such a message is searched alone and resolved ("كم رسوم" + the previous question without its question
words). Candidates of the resolved search are ranked by both scores, the previous entry left out (the
citizen already has it): a bare back-reference stays in the previous category, a follow-up that names
something of its own only prefers it, and if the message alone clearly answers an entry of another
category, the citizen changed subject and the plain search is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Protocol

from knowledge_base.search import SearchContext, SearchResult

MAX_FOLLOWUP_TOKENS = 5
POOL_K = 30  # candidates fetched per search before re-ranking
JOINED_WEIGHT = 0.5
SAME_CATEGORY_BONUS = 0.05

_TASHKEEL = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_TOKEN = re.compile(r"[\w']+", re.UNICODE)
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})

def _words(text: str) -> frozenset[str]:
    """Lexicons are folded like messages (أ/إ/آ -> ا, ى -> ي, ة -> ه) so lookups match."""
    return frozenset(text.translate(_ALEF).split())


INTERROGATIVES = _words(
    "كم كيف وين اين فين متى هل ما ماذا وش ايش شو لماذا ليش مين من لمن اي شلون "
    "how what where when which who why much many is are can do does"
)
ASPECTS = _words(
    "رسوم رسومه رسومها الرسوم تكلفه التكلفه سعر السعر مده المده وقت الوقت شروط الشروط مستندات المستندات "
    "اوراق الاوراق متطلبات المتطلبات مكان المكان رابط الرابط طريقه الطريقه خطوات الخطوات مبلغ المبلغ "
    "مطلوب المطلوب المطلوبه اللازمه لازم تحتاج احتاج يحتاج "
    "fee fees cost price time duration documents requirements conditions link steps amount required needed"
)
CONJUNCTIONS = _words("و ف طيب طب and so w wa then also")
ENGLISH_ANAPHORA = _words("it its it's that this them they those")
# Words that carry no topic: dropped from the previous question before it is joined to the follow-up.
TOPIC_STOPWORDS = INTERROGATIVES | _words(
    "في على عن الى الي من او و ثم التي الذي هذا هذه ذلك تلك انا اريد ابي ابغى يمكنني يمكن لي لك هو هي "
    "the a an to of for in on my i me"
)


def normalise(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(_TASHKEEL.sub("", text).translate(_ALEF).lower()) if t]


def _strip_conjunction(token: str) -> str | None:
    """"وكم" -> "كم", "والرسوم" -> "الرسوم"; None when the token is not conjunction + known word."""
    if len(token) > 2 and token[0] in "وف":
        rest = token[1:]
        if rest in INTERROGATIVES or rest in ASPECTS:
            return rest
    return None


def is_followup(text: str) -> bool:
    tokens = normalise(text)
    if not tokens or len(tokens) > MAX_FOLLOWUP_TOKENS:
        return False
    first = tokens[0]
    if first in CONJUNCTIONS or _strip_conjunction(first) is not None:
        return True
    if any(t in ENGLISH_ANAPHORA for t in tokens):
        return True
    if any(len(t) >= 5 and t.endswith("ها") and t not in INTERROGATIVES for t in tokens):
        return True
    return not has_own_topic(text)  # "وش الاوراق المطلوبة؟": nothing but aspects and question words


def resolve(text: str) -> str:
    """The follow-up without its conjunction and back-reference: "وكم رسومها؟" -> "كم رسوم"."""
    words = []
    for token in normalise(text):
        if token in CONJUNCTIONS:
            continue
        bare = _strip_conjunction(token) or token
        if len(bare) >= 5 and bare.endswith("ها"):
            bare = bare[:-2]
        if bare not in ENGLISH_ANAPHORA:
            words.append(bare)
    return " ".join(words)


def topic_of(question: str) -> str:
    return " ".join(t for t in normalise(question) if t not in TOPIC_STOPWORDS)


@dataclass(frozen=True)
class PreviousAnswer:
    entry_id: str
    category: str
    question: str


class Searcher(Protocol):
    def search(self, text: str, top_k: int = 10, context: SearchContext | None = None) -> SearchResult: ...

    def get(self, entry_id: str) -> Any: ...

    @property
    def thresholds(self) -> Any: ...


def previous_answer(kb: Searcher, entry_id: str | None) -> PreviousAnswer | None:
    entry = kb.get(entry_id) if entry_id else None
    return PreviousAnswer(entry.id, entry.category, entry.question) if entry is not None else None


def contextual_search(
    kb: Searcher, text: str, previous: PreviousAnswer | None, top_k: int = 10
) -> tuple[SearchResult, bool]:
    """(result, used_context). Without a previous answer or for a self-contained question: a plain search."""
    context = SearchContext(previous.entry_id, previous.category) if previous else None
    if previous is None or not is_followup(text):
        return kb.search(text, top_k, context=context), False
    plain = kb.search(text, POOL_K, context=context)
    joined = kb.search(f"{resolve(text)} {topic_of(previous.question)}".strip(), POOL_K, context=context)
    if _changed_subject(plain, joined, previous, text):
        return _cut(plain, top_k), False
    return _rerank(kb, plain, joined, previous, top_k, has_own_topic(text)), True


def _rerank(
    kb: Searcher, plain: SearchResult, joined: SearchResult, previous: PreviousAnswer, top_k: int, own_topic: bool
) -> SearchResult:
    """Order by topic (joined search) blended with aspect (message alone); the previous answer is excluded.

    The citizen already has the previous answer: a follow-up asks for another entry of the same topic. A
    bare back-reference ("وكم رسومها؟") stays inside the previous category; a follow-up naming something
    of its own only prefers it. Confidence is the better of the joined and alone scores of the chosen
    entry, judged by the index's score/margin rule; with an answer gate, that rule may only offer what
    the gate did not answer itself (`_gate_answered`).
    """
    alone = {c.id: c.score for c in plain.candidates}
    floor = min(alone.values(), default=0.0)
    pool = [c for c in joined.candidates if c.id != previous.entry_id]
    if not own_topic:
        pool = [c for c in pool if c.category == previous.category]

    def blended(c: Any) -> float:
        bonus = SAME_CATEGORY_BONUS if c.category == previous.category else 0.0
        return JOINED_WEIGHT * c.score + (1 - JOINED_WEIGHT) * alone.get(c.id, floor) + bonus

    ranked = sorted(pool, key=blended, reverse=True)
    if not ranked:
        return SearchResult("handoff", [], joined.truncated)
    margin = blended(ranked[0]) - blended(ranked[1]) if len(ranked) > 1 else ranked[0].score
    confidence = max(ranked[0].score, alone.get(ranked[0].id, 0.0))
    decision = kb.thresholds.decide(confidence, margin)
    if decision == "answer" and getattr(kb.thresholds, "gate", None) is not None \
            and not _gate_answered(ranked[0].id, plain, joined):
        decision = "clarify"
    keep = max(top_k, 3) if decision == "clarify" else top_k
    return SearchResult(decision, ranked[:keep], joined.truncated, margin)


def _gate_answered(entry_id: str, *results: SearchResult) -> bool:
    """Did a search that went through the answer gate answer this very entry?

    The reranked scores have no channels for the gate to judge, and the score/margin rule was fitted on
    plain questions, not on scores inflated by the previous topic the joined text repeats. So an answer
    is kept only when the gate answered the same entry for the message alone or for the joined text;
    otherwise the citizen gets the options. The gate is never asked to upgrade a clarify.
    """
    return any(r.decision == "answer" and r.candidates and r.candidates[0].id == entry_id for r in results)


def _cut(result: SearchResult, top_k: int) -> SearchResult:
    keep = max(top_k, 3) if result.decision == "clarify" else top_k
    return replace(result, candidates=result.candidates[:keep])


def has_own_topic(text: str) -> bool:
    """True when the message names something beyond question words, aspects and back-references."""
    for token in normalise(text):
        bare = _strip_conjunction(token) or token
        if bare in TOPIC_STOPWORDS or bare in ASPECTS or bare in CONJUNCTIONS or bare in ENGLISH_ANAPHORA:
            continue
        if len(bare) >= 5 and bare.endswith("ها"):
            continue
        return True
    return False


def _changed_subject(plain: SearchResult, joined: SearchResult, previous: PreviousAnswer, text: str) -> bool:
    if plain.decision != "answer" or not plain.candidates or not has_own_topic(text):
        return False
    top = plain.candidates[0]
    return top.category != previous.category and (not joined.candidates or joined.candidates[0].id != top.id)
