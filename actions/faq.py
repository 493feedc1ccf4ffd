"""Questions: search the knowledge base (with the previous answer as context) and phrase its decision."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from actions.dialogue import handoff, miss, smalltalk
from actions.replies import Button, Reply
from actions.state import PENDING_CLARIFY, PENDING_FEEDBACK, PENDING_OFFER, CandidateInfo, DialogueState
from actions.turn import LearnedNote, Outcome, Turn, UnansweredNote
from knowledge_base.engine.errors import EmptyQueryError
from knowledge_base.engine.followup import contextual_search, previous_answer

log = logging.getLogger(__name__)

CLARIFY_OPTIONS = 3
QUESTION_SLOT_CHARS = 300
_ORDINALS = {
    "1": 0, "١": 0, "الاول": 0, "الأول": 0, "اول": 0, "واحد": 0, "first": 0, "awal": 0,
    "2": 1, "٢": 1, "الثاني": 1, "ثاني": 1, "اثنين": 1, "second": 1, "thani": 1,
    "3": 2, "٣": 2, "الثالث": 2, "ثالث": 2, "ثلاثة": 2, "third": 2, "thaleth": 2,
}
_WORDS = re.compile(r"\w+", re.UNICODE)
# A citizen never types HTML: script/style bodies and tags are markup (often an injection probe), not words.
_MARKUP = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)|<[^>]*>", re.IGNORECASE | re.DOTALL)

KbGetter = Callable[[], Any]


def has_words(text: str) -> bool:
    """False for empty, emoji-only, punctuation-only or markup-only messages: nothing a search could use."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in _MARKUP.sub(" ", text))


def candidate_info(candidates: list[Any]) -> list[CandidateInfo]:
    return [
        {"id": c.id, "question": c.question, "score": round(float(c.score), 4), "category": c.category}
        for c in candidates[:5]
    ]


def safe_link(links: tuple[str, ...] | list[str]) -> str | None:
    return next((link for link in links if link.startswith("https://")), None)


def in_language(entry: Any, lang: str) -> tuple[str, str]:
    """(question, answer) of ``entry`` in ``lang`` when it has that version, else the Arabic ones."""
    question_en: str = getattr(entry, "question_en", None) or ""
    answer_en: str = getattr(entry, "answer_en", None) or ""
    if lang == "en" and question_en and answer_en:
        return question_en, answer_en
    return entry.question, entry.answer


def answer_reply(entry: Any, lang: str = "ar") -> Reply:
    """One message: the answer in ``lang`` when it has that version, and its source as a link titled with the
    FAQ question (the widget shows it inside the answer's bubble; the gateway keeps only https links,
    docs/handoff-payload.md)."""
    question, answer = in_language(entry, lang)
    link = safe_link(entry.links)
    if not link:
        return Reply(text=answer)
    return Reply(custom={"text": answer, "links": [{"title": question, "url": link}]})


def answer_entry(state: DialogueState, entry: Any, question: str, via: str, truncated: bool = False) -> Outcome:
    replies = [Reply(response="utter_long_message")] if truncated else []
    if state.lang != "ar" and in_language(entry, state.lang)[1] == entry.answer:
        replies.append(Reply(response="utter_answer_arabic_only"))  # say why the answer is in Arabic
    replies.append(answer_reply(entry, state.lang))
    replies.append(Reply(response="utter_ask_helpful"))
    new = state.update(
        last_entry_id=entry.id, last_category=entry.category, last_question=question[:QUESTION_SLOT_CHARS],
        answered_via=via, pending=PENDING_FEEDBACK, offer_reason=None, clarify_options=[], miss_streak=0,
    )
    return Outcome(replies, new)


def clarify(turn: Turn, state: DialogueState, candidates: list[Any]) -> Outcome:
    options = candidates[:CLARIFY_OPTIONS]
    buttons: list[Button] = [
        {"title": in_language(c.entry, state.lang)[0], "payload": "/choose_faq" + json.dumps({"faq_id": c.id})}
        for c in options
    ]
    buttons.append({"title": turn.book.text("utter_clarify_none_title"), "payload": "/clarify_none"})
    new = state.update(
        pending=PENDING_CLARIFY, clarify_options=[c.id for c in options],
        last_question=turn.text[:QUESTION_SLOT_CHARS], last_candidates=candidate_info(candidates),
    )
    return Outcome([Reply(response="utter_clarify", buttons=buttons)], new)


def low_confidence(turn: Turn, state: DialogueState, candidates: list[Any]) -> Outcome:
    info = candidate_info(candidates)
    note = UnansweredNote(text=turn.text, reason="low_confidence", candidates=[c["id"] for c in info[:3]])
    missed = state.update(
        last_candidates=info, last_question=turn.text[:QUESTION_SLOT_CHARS],
        pending=PENDING_OFFER, offer_reason="low_confidence",
    )
    return miss(turn, missed, note, [Reply(response="utter_no_answer")])


def chosen_entry_id(turn: Turn, state: DialogueState) -> str | None:
    if turn.faq_id:
        return turn.faq_id
    if not state.clarify_options:
        return None
    for word in _WORDS.findall(turn.text.lower()):
        index = _ORDINALS.get(word)
        if index is not None and index < len(state.clarify_options):
            return state.clarify_options[index]
    return None


async def answer_question(turn: Turn, state: DialogueState, get_kb: KbGetter) -> Outcome:
    if turn.intent == "choose_faq":
        chosen = await _answer_choice(turn, state, get_kb)
        if chosen is not None:
            return chosen
    if not has_words(turn.text):
        return Outcome([Reply(response="utter_ask_rephrase")], state.update(pending=None))
    try:
        kb = get_kb()
        previous = previous_answer(kb, state.last_entry_id)
        result, _ = await asyncio.to_thread(contextual_search, kb, turn.text, previous)
    except EmptyQueryError:
        return Outcome([Reply(response="utter_ask_rephrase")], state.update(pending=None))
    except Exception:
        log.exception("knowledge base search failed; handing off")
        return handoff(turn, state, "low_confidence")
    log.info("faq search", extra={"decision": result.decision, "top": [c.id for c in result.candidates[:3]]})
    if result.decision == "answer" and result.candidates:
        best = result.candidates[0]
        outcome = answer_entry(state, best.entry, turn.text, "direct", result.truncated)
        return Outcome(outcome.replies, outcome.state.update(last_candidates=candidate_info(result.candidates)))
    if result.decision == "clarify" and len(result.candidates) >= 2:
        return clarify(turn, state, result.candidates)
    if result.analysed is not None and result.analysed.small_talk:
        return smalltalk(turn, state)  # NLU heard a question in it; the word lists say it is small talk
    return low_confidence(turn, state, result.candidates)


async def person_requested(turn: Turn, state: DialogueState, get_kb: KbGetter) -> Outcome:
    """Hand off at the citizen's request; a request that names a topic ("ابي اكلم موظف بخصوص تجديد
    الاقامة") carries that topic and its candidates to the agent instead of the previous turn's."""
    try:
        result = await asyncio.to_thread(get_kb().search, turn.text)
    except Exception:
        log.warning("knowledge base unavailable for a person request's topic", exc_info=True)
        return handoff(turn, state, "user_request")
    if result.decision != "handoff" and result.candidates:
        state = state.update(last_candidates=candidate_info(result.candidates),
                             last_category=result.candidates[0].category)
    return handoff(turn, state, "user_request")


async def _answer_choice(turn: Turn, state: DialogueState, get_kb: KbGetter) -> Outcome | None:
    entry_id = chosen_entry_id(turn, state)
    if entry_id is None:
        return None
    try:
        entry = get_kb().get(entry_id)
    except Exception:
        log.exception("knowledge base unavailable for a clarification choice; handing off")
        return handoff(turn, state, "low_confidence")
    if entry is None:
        return Outcome([Reply(response="utter_choice_expired")], state.update(pending=None, clarify_options=[]))
    question = state.last_question or entry.question
    answered = answer_entry(state, entry, question, "clarify")
    learned = LearnedNote("pick", entry.id, state.last_question) if state.last_question else None
    return replace(answered, learned=learned)
