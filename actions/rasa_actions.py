"""The Rasa actions: read the tracker, call a plain dialogue function, send its replies, return slots."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import kb_access
from actions.dialogue import (
    carries_question,
    followup_turn,
    handoff,
    out_of_context_reply,
    smalltalk,
    with_context,
)
from actions.faq import answer_question, person_requested
from actions.lang import reply_language
from actions.outcomes import emit_turn
from actions.replies import Phrasebook, Reply, dispatch
from actions.state import DialogueState
from actions.turn import Outcome, Turn
from actions.unanswered import UnansweredRecorder
from common import logs
from knowledge_base.engine.person_request import asks_for_person

log = logging.getLogger(__name__)

Decide = Callable[[Turn, DialogueState], Awaitable[Outcome]]


def read_turn(tracker: Tracker, domain: dict[str, Any]) -> tuple[Turn, DialogueState]:
    latest = tracker.latest_message or {}
    text = str(latest.get("text") or "")
    slots = tracker.current_slot_values()
    locale = (latest.get("metadata") or {}).get("locale")
    lang = reply_language(text, str(slots.get("lang") or "ar"), locale if locale in ("ar", "en") else None)
    faq_id = next((str(e.get("value")) for e in latest.get("entities") or [] if e.get("entity") == "faq_id"), None)
    user_messages = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    input_id = (latest.get("metadata") or {}).get("input_id")
    turn = Turn(
        text=text, intent=(latest.get("intent") or {}).get("name"), book=Phrasebook(domain, lang),
        faq_id=faq_id, user_messages=user_messages, conversation_id=tracker.sender_id or "",
        input_id=str(input_id) if input_id else None,
    )
    return turn, DialogueState.from_slots(slots).update(lang=lang)


def slot_events(before: dict[str, Any], state: DialogueState) -> list[EventType]:
    return [SlotSet(name, value) for name, value in state.to_slots().items() if before.get(name) != value]


class DialogueAction(Action):
    """Common run(): a failure anywhere becomes a handoff, never an error reply to Rasa."""

    action_name = ""

    def __init__(self, recorder: UnansweredRecorder, emitter: Any = None) -> None:
        self.recorder = recorder
        self.emitter = emitter  # analytics.emitter.Emitter, or None (no analytics)

    def name(self) -> str:
        return self.action_name

    async def decide(self, turn: Turn, state: DialogueState) -> Outcome:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        logs.conversation_id.set(tracker.sender_id or "-")
        turn, state = read_turn(tracker, domain)
        if turn.input_id and turn.input_id == state.last_input_id:
            # The gateway retried an input this assistant already answered (it died before storing the
            # replies): the same replies again, and no counter (misses, 👎, picks, unanswered) moves twice.
            dispatch(dispatcher, [Reply(**r) for r in state.last_replies], turn.book)
            log.info("retried input answered again", extra={"action": self.action_name})
            return []
        try:
            if asks_for_person(turn.text):
                # Whatever NLU heard, an explicit request for a person is one (knowledge_base/engine/person_request).
                outcome = await person_requested(turn, state, kb_access.get_knowledge_base)
            else:
                outcome = await self.decide(turn, state)
        except Exception:
            log.exception("action %s failed; handing off", self.action_name)
            outcome = handoff(turn, state, "low_confidence")
        outcome = with_context(outcome)
        dispatch(dispatcher, outcome.replies, turn.book)
        await self.recorder.record(outcome.unanswered, turn.conversation_id)
        await self.recorder.record_learned(outcome.learned, turn.conversation_id)
        await emit_turn(self.emitter, turn, outcome, smalltalk=self.action_name == "action_smalltalk")
        log.info("action done", extra={"action": self.action_name, "replies": len(outcome.replies)})
        final = outcome.state.update(last_input_id=turn.input_id,
                                     last_replies=[asdict(r) for r in outcome.replies] if turn.input_id else [])
        return slot_events(tracker.current_slot_values(), final)


class ActionAnswerFaq(DialogueAction):
    action_name = "action_answer_faq"

    async def decide(self, turn: Turn, state: DialogueState) -> Outcome:
        return await answer_question(turn, state, kb_access.get_knowledge_base)


class ActionHandoff(DialogueAction):
    action_name = "action_handoff"

    async def decide(self, turn: Turn, state: DialogueState) -> Outcome:
        return await person_requested(turn, state, kb_access.get_knowledge_base)


class ActionFollowupTurn(DialogueAction):
    action_name = "action_followup_turn"

    async def decide(self, turn: Turn, state: DialogueState) -> Outcome:
        if out_of_context_reply(turn, state):
            # Nothing was asked, yet NLU heard "yes"/"no"/feedback in a sentence: treat it as a question.
            return await answer_question(turn, state, kb_access.get_knowledge_base)
        return followup_turn(turn, state)


class ActionSmalltalk(DialogueAction):
    action_name = "action_smalltalk"

    async def decide(self, turn: Turn, state: DialogueState) -> Outcome:
        if not carries_question(turn):
            return smalltalk(turn, state)
        # "السلام عليكم، كيف أجدد رخصة العمل؟": greet back, then answer the question it carries.
        answered = await answer_question(turn, state, kb_access.get_knowledge_base)
        greeting = smalltalk(turn, state).replies if turn.intent == "greet" else []
        return Outcome(greeting + answered.replies, answered.state, answered.unanswered)


ACTION_CLASSES: tuple[type[DialogueAction], ...] = (ActionAnswerFaq, ActionHandoff, ActionFollowupTurn, ActionSmalltalk)
