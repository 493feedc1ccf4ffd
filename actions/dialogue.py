"""Turns that are not questions: handoff, feedback, yes/no, "none of these", small talk.

Handoff triggers (any one ends the bot's part): the citizen asks for a person; the citizen accepts the
offer made after a low-confidence miss or negative feedback; two misses in a row (knowledge base said
handoff, or a clarification was rejected); negative feedback twice, or once on an answer chosen from a
clarification.
"""

from __future__ import annotations

import re
from dataclasses import replace

from actions.payload import HandoffReason, build_context, build_payload
from actions.replies import Reply
from actions.state import PENDING_CLARIFY, PENDING_FEEDBACK, PENDING_OFFER, DialogueState
from actions.turn import LearnedNote, Outcome, Turn, UnansweredNote

MISSES_BEFORE_HANDOFF = 2
# "السلام عليكم ورحمة الله وبركاته" is 5 words: a greeting of 7+ words carries something else.
GREETING_WITH_QUESTION_WORDS = 7
SMALLTALK_WITH_QUESTION_WORDS = 6
OUT_OF_CONTEXT_WORDS = 3
_WORD = re.compile(r"\w+", re.UNICODE)
NEGATIVES_BEFORE_HANDOFF = 2

SMALLTALK = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_welcome",
    "bot_challenge": "utter_iamabot",
    "chitchat": "utter_chitchat",
}


def topic_of(state: DialogueState) -> str | None:
    """Category of the last answered entry, else of the best candidate of the last search."""
    return state.last_category or (state.last_candidates[0]["category"] if state.last_candidates else None)


def with_context(outcome: Outcome) -> Outcome:
    """The turn's replies plus the conversation context (actions/payload.ContextPayload), unless it hands off
    (the handoff payload carries the same)."""
    if any(r.custom and "handoff" in r.custom for r in outcome.replies):
        return outcome
    context = build_context(topic_of(outcome.state), outcome.state.last_candidates)
    return replace(outcome, replies=[*outcome.replies, Reply(custom=dict(context))])


def handoff(turn: Turn, state: DialogueState, reason: HandoffReason, note: UnansweredNote | None = None) -> Outcome:
    topic = topic_of(state)
    payload = build_payload(reason, topic, state.last_candidates, turn.user_messages)
    replies = [] if reason == "user_request" else [Reply(response="utter_handoff_apology")]
    replies += [Reply(response="utter_handoff"), Reply(custom=dict(payload))]
    # Counters restart: if the gateway gives the conversation back to the bot, it starts afresh.
    fresh = state.update(pending=None, offer_reason=None, clarify_options=[], miss_streak=0, negative_feedback=0)
    return Outcome(replies, fresh, note)


def miss(turn: Turn, state: DialogueState, note: UnansweredNote, first_miss: list[Reply]) -> Outcome:
    """A question the bot could not answer; the second in a row hands off."""
    streak = state.miss_streak + 1
    if streak >= MISSES_BEFORE_HANDOFF:
        return handoff(turn, state, "repeated_miss", note)
    return Outcome(first_miss, state.update(miss_streak=streak, clarify_options=[]), note)


def negative_feedback(turn: Turn, state: DialogueState) -> Outcome:
    count = state.negative_feedback + 1
    text = state.last_question or _last_typed(turn)
    ids = [state.last_entry_id] if state.last_entry_id else [c["id"] for c in state.last_candidates]
    note = UnansweredNote(text=text, reason="negative_feedback", candidates=ids) if text else None
    # 👎 on an answer the citizen picked among the options withdraws that pick from the suggestions.
    unpick = LearnedNote("reject", state.last_entry_id) if state.answered_via == "clarify" and state.last_entry_id \
        else None
    if count >= NEGATIVES_BEFORE_HANDOFF or state.answered_via == "clarify":
        return replace(handoff(turn, state, "negative_feedback", note), learned=unpick)
    offer = state.update(negative_feedback=count, pending=PENDING_OFFER, offer_reason="negative_feedback")
    return Outcome([Reply(response="utter_feedback_sorry")], offer, note, unpick)


def clarify_rejected(turn: Turn, state: DialogueState) -> Outcome:
    text = state.last_question or _last_typed(turn)
    note = UnansweredNote(text=text, reason="clarify_rejected", candidates=list(state.clarify_options))
    return miss(turn, state.update(pending=None), note, [Reply(response="utter_rephrase_after_none")])


def followup_turn(turn: Turn, state: DialogueState) -> Outcome:
    """Feedback, yes, no and "none of these": their meaning depends on what the bot asked last."""
    intent, pending = turn.intent, state.pending
    if intent == "feedback_positive" or (intent == "affirm" and pending == PENDING_FEEDBACK):
        return Outcome([Reply(response="utter_feedback_thanks")], state.update(pending=None))
    if intent == "feedback_negative" or (intent == "deny" and pending == PENDING_FEEDBACK):
        return negative_feedback(turn, state)
    if intent == "affirm" and pending == PENDING_OFFER:
        reason: HandoffReason = "negative_feedback" if state.offer_reason == "negative_feedback" else "low_confidence"
        return handoff(turn, state, reason)
    if intent in ("deny", "clarify_none") and pending == PENDING_CLARIFY:
        return clarify_rejected(turn, state)
    return Outcome([Reply(response="utter_ask_question")], state.update(pending=None, offer_reason=None))


def smalltalk(turn: Turn, state: DialogueState) -> Outcome:
    response = SMALLTALK.get(turn.intent or "", "utter_chitchat")
    return Outcome([Reply(response=response)], state)


def carries_question(turn: Turn) -> bool:
    """A small-talk message long enough to hold a real question (NLU saw the greeting, not the question)."""
    words = len(_WORD.findall(turn.text))
    if turn.intent == "greet":
        return words >= GREETING_WITH_QUESTION_WORDS
    return words >= SMALLTALK_WITH_QUESTION_WORDS and ("?" in turn.text or "؟" in turn.text)


def out_of_context_reply(turn: Turn, state: DialogueState) -> bool:
    """A typed sentence read as yes/no/feedback while the bot had asked nothing."""
    if state.pending is not None or turn.intent == "clarify_none" or turn.text.strip().startswith("/"):
        return False
    return len(_WORD.findall(turn.text)) >= OUT_OF_CONTEXT_WORDS


def _last_typed(turn: Turn) -> str:
    typed = [m for m in turn.user_messages if m.strip() and not m.strip().startswith("/")]
    return typed[-1] if typed else ""
