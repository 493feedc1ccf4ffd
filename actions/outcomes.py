"""What each assistant turn decided, as analytics events (issue #14): answer, clarify, handoff,
out of scope or chit-chat, with the FAQ ids and categories involved and how the citizen wrote."""

from __future__ import annotations

from typing import Any

from actions.turn import Outcome, Turn
from knowledge_base.engine.style import detect_style


def decision_of(outcome: Outcome, smalltalk: bool) -> dict[str, Any] | None:
    """The ``bot.decision`` fields of one turn; None for turns that decide nothing (a 👍, "thanks")."""
    responses = {r.response for r in outcome.replies}
    state = outcome.state
    handoff = next((r.custom["handoff"] for r in outcome.replies if r.custom and "handoff" in r.custom), None)
    if handoff is not None:
        return {"decision": "handoff", "faq_ids": [], "categories": [handoff["topic"]] if handoff.get("topic") else []}
    if "utter_ask_helpful" in responses and state.last_entry_id:
        return {"decision": "answer", "faq_ids": [state.last_entry_id],
                "categories": [state.last_category] if state.last_category else []}
    if "utter_clarify" in responses:
        by_id = {c["id"]: c.get("category") for c in state.last_candidates}
        categories = list(dict.fromkeys(by_id[i] for i in state.clarify_options if by_id.get(i)))
        return {"decision": "clarify", "faq_ids": list(state.clarify_options), "categories": categories}
    if "utter_no_answer" in responses:
        return {"decision": "out_of_scope", "faq_ids": [], "categories": []}
    if smalltalk:
        return {"decision": "chitchat", "faq_ids": [], "categories": []}
    return None


async def emit_turn(emitter: Any, turn: Turn, outcome: Outcome, smalltalk: bool) -> None:
    """Never raises (the emitter swallows Redis errors); a turn without a conversation id emits nothing."""
    if emitter is None or not turn.conversation_id:
        return
    decision = decision_of(outcome, smalltalk)
    if decision is not None:
        await emitter.emit("bot.decision", turn.conversation_id, style=detect_style(turn.text),
                           language=outcome.state.lang, **decision)
    if outcome.unanswered is not None and outcome.unanswered.text.strip():
        await emitter.emit("unanswered.recorded", turn.conversation_id, reason=outcome.unanswered.reason)
