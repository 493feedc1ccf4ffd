"""Multi-turn follow-ups: "وكم رسومها؟" after an answer about entry X is searched with X's topic.

A follow-up is a short message (at most 5 words, a Latin-script word counting 2/3) that leans on the
previous answer: it opens with a conjunction or an "ok, so" marker before a question, aspect or condition
("وكم"، "والرسوم"، "ولو"، "طيب"، "and the fee", "what if"), refers back with a pronoun ("اقدمها"، "it") or
names nothing of its own ("الشروط؟"، "وش الاوراق المطلوبة؟").

Such a message is searched alone and resolved ("كم رسوم" + the previous question without its question
words). Candidates of the resolved search are ranked by both scores, the previous entry left out (the
citizen already has it): a bare back-reference stays in the previous category, a follow-up that names
something of its own only prefers it and keeps the message's own best match among the options. If the
message alone is answered (an entry of another category: a change of subject; a sibling of the previous
entry: what the follow-up asked), the plain search is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Protocol

from knowledge_base.engine.search import SearchContext, SearchResult

MAX_FOLLOWUP_WORDS = 5
# English spells out as words what Arabic attaches to one: "and how long does it take" (6) is "وكم تاخذ وقت" (3).
# Latin-script words (English, Arabizi, "الـ OTP") therefore weigh less against the limit.
LATIN_WORD_WEIGHT = 2 / 3
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
    "بكم ليه منو شنو how what where when which who why much many is are can do does"
)
ASPECTS = _words(
    "رسوم رسومه رسومها الرسوم تكلفه التكلفه سعر السعر مده المده وقت الوقت شروط الشروط مستندات المستندات "
    "اوراق الاوراق متطلبات المتطلبات مكان المكان رابط الرابط طريقه الطريقه خطوات الخطوات مبلغ المبلغ "
    "مطلوب المطلوب المطلوبه اللازمه لازم تحتاج احتاج يحتاج "
    "fee fees cost price time duration documents requirements conditions link steps amount required needed"
)
# Openers that continue the previous exchange: conjunctions and the Gulf/English "ok, so..." markers.
CONJUNCTIONS = _words("و ف وال طيب طب زين اوكي اوك لكن ولكن بس and so w wa wel then also but ok okay")
# "ولو"، "واذا"، "وان": a condition joined by a conjunction is a case of the previous answer ("ولو استقلت؟").
CONDITIONALS = _words("لو اذا ان")
# "what if" only makes sense after an answer ("what if I can't attend?"). Not "what about": it mostly names
# a new subject ("what about the weather"), and "what about the fee?" is caught as naming nothing of its own.
ENGLISH_OPENERS = frozenset({("what", "if")})
# Arabizi question words: "wkam" is "وكم" written in Latin letters.
ARABIZI_INTERROGATIVES = _words("kam kaif keef kif mata wain wen lesh leish esh eish wesh shu shlon")
ENGLISH_ANAPHORA = _words("it its it's that this them they those")
# Words that carry no topic: dropped from the previous question before it is joined to the follow-up.
TOPIC_STOPWORDS = INTERROGATIVES | _words(
    "في على عن الى الي من او و ثم التي الذي هذا هذه ذلك تلك انا اريد ابي ابغى يمكنني يمكن لي لك هو هي "
    "the a an to of for in on my i me if about"
) | CONDITIONALS | ARABIZI_INTERROGATIVES


def normalise(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(_TASHKEEL.sub("", text).translate(_ALEF).lower()) if t]


def _strip_conjunction(token: str) -> str | None:
    """"وكم" -> "كم", "والرسوم" -> "الرسوم", "ولو" -> "لو", "والتجديد" -> "التجديد", "wkam" -> "kam";
    None when the token is not a conjunction joined to a word the rules know."""
    if len(token) > 2 and token[0] in "وف" and token[1:] in INTERROGATIVES | ASPECTS | CONDITIONALS:
        return token[1:]
    if _joined_article(token):
        return token[1:]
    if len(token) > 3 and token[0] == "w" and token[1:] in ARABIZI_INTERROGATIVES:
        return token[1:]
    return None


def _joined_article(token: str) -> bool:
    """"و" + "ال" + noun ("والتجديد"، "والمرضيه"): "and the ...", an aspect of what was just answered.

    Six letters at least (a noun of three), so "والله" (an oath), "والي" and "والا" stay words;
    "والد..." is father, mother, parents.
    """
    return token.startswith("وال") and len(token) >= 6 and not token.startswith("والد")


def _length(tokens: list[str]) -> float:
    return sum(LATIN_WORD_WEIGHT if token.isascii() else 1.0 for token in tokens)


def is_followup(text: str) -> bool:
    tokens = normalise(text)
    if not tokens or _length(tokens) > MAX_FOLLOWUP_WORDS:
        return False
    # Last: "وش الاوراق المطلوبة؟" names nothing but aspects and question words.
    return _opens_on_previous(tokens) or _refers_back(tokens) or not has_own_topic(text)


def _opens_on_previous(tokens: list[str]) -> bool:
    """A conjunction or marker ("و"، "طيب"، "and"), a joined condition ("ولو"، "واذا") or "what if"."""
    first = tokens[0]
    return first in CONJUNCTIONS or _strip_conjunction(first) is not None or tuple(tokens[:2]) in ENGLISH_OPENERS


def _refers_back(tokens: list[str]) -> bool:
    """An English pronoun or an Arabic "-ها" suffix ("اقدمها") pointing at the previous answer's subject."""
    if any(t in ENGLISH_ANAPHORA for t in tokens):
        return True
    return any(len(t) >= 5 and t.endswith("ها") and t not in INTERROGATIVES for t in tokens)


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
    if plain.analysed is not None and plain.analysed.small_talk:
        return _cut(plain, top_k), False  # the previous topic would turn small talk into its options
    joined = kb.search(f"{resolve(text)} {topic_of(previous.question)}".strip(), POOL_K, context=context)
    if _plain_suffices(plain, joined, previous, text):
        return _cut(plain, top_k), False
    own_topic = has_own_topic(text)
    result = _rerank(kb, plain, joined, previous, top_k, own_topic)
    return (_keep_own_match(result, plain, previous) if own_topic else result), True


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
    if getattr(kb.thresholds, "scope", None) is not None:
        # Both gates judged the message alone and the joined text: an entry either of them answered is
        # answered; in scope for either, the options; out of scope for both, a person is offered.
        in_scope = any(r.decision != "handoff" for r in (plain, joined))
        decision = "answer" if _gate_answered(ranked[0].id, plain, joined) else "clarify" if in_scope else "handoff"
    else:
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


def _plain_suffices(plain: SearchResult, joined: SearchResult, previous: PreviousAnswer, text: str) -> bool:
    """The message names its own topic and the gate answered it alone: context would only blur that.

    Another category means the citizen changed subject (unless the joined search agrees); a sibling of
    the previous entry is what the follow-up asked for ("ولو استقلت؟" after the end-of-service amount),
    answered as firmly as without context: the reranked margin would turn it into options. Re-asking the
    previous entry itself still goes through the follow-up ranking, which leaves it out.
    """
    if plain.decision != "answer" or not plain.candidates or not has_own_topic(text):
        return False
    top = plain.candidates[0]
    if top.category == previous.category:
        return top.id != previous.entry_id
    return not joined.candidates or joined.candidates[0].id != top.id


def _keep_own_match(result: SearchResult, plain: SearchResult, previous: PreviousAnswer) -> SearchResult:
    """A follow-up naming its own topic keeps the message's own best match among the three options.

    Conjunction-led messages can be new questions ("واذا ابي اجدد الاقامة"): when the message alone only
    clarified, the joined text's pull towards the previous topic must not push its best match out.
    """
    if result.decision != "clarify" or plain.decision != "clarify" or not plain.candidates:
        return result
    own = plain.candidates[0]
    if own.id == previous.entry_id or own.id in [c.id for c in result.options]:
        return result
    rest = [c for c in result.candidates[2:] if c.id != own.id]
    return replace(result, candidates=[*result.candidates[:2], own, *rest][: max(len(result.candidates), 3)])
