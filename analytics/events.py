"""The analytics wire contract: one TypedDict per event type, and the envelope every event travels in.

Events carry no names, numbers or free text the PII masker has not cleaned (the emitter masks every
string field on the way out). ``id`` is a uuid4 hex chosen by the producer: the consumer stores each id
once, so a redelivered event (consumer killed before its ack) is counted once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from common.clock import now_iso

VERSION = 1

Decision = Literal["answer", "clarify", "handoff", "out_of_scope", "chitchat"]
AbandonHow = Literal["cancelled", "left", "closed_tab", "out_of_hours", "no_agents"]
CallResult = Literal["reached", "not_reached", "resolved", "escalated"]


class ConversationStarted(TypedDict):
    channel: str
    branch: str
    service: str
    page: str
    language: str


class BotDecision(TypedDict):
    decision: Decision
    faq_ids: list[str]
    categories: list[str]
    style: str
    language: str


class FeedbackThumb(TypedDict):
    value: Literal["up", "down"]
    faq_id: str | None


class HandoffRequested(TypedDict):
    reason: str
    topic: str | None


class HandoffClaimed(TypedDict):
    agent: str
    wait_s: float


class HandoffAbandoned(TypedDict):
    how: AbandonHow


class HandoffEnded(TypedDict):
    agent: str
    outcome: str


class MessageLeft(TypedDict):
    pass


class CsatSubmitted(TypedDict):
    score: int
    comment: str  # masked
    target: Literal["agent", "bot"]


class ConversationEnded(TypedDict):
    how: str


class FollowupCreated(TypedDict):
    task_id: str
    trigger: Literal["csat_low", "thumb_down_left"]
    due_at: str
    has_number: bool


class FollowupCallRecorded(TypedDict):
    task_id: str
    result: CallResult
    reason: str
    agent: str


class UnansweredRecorded(TypedDict):
    pass


EVENT_TYPES: dict[str, type] = {
    "conversation.started": ConversationStarted,
    "bot.decision": BotDecision,
    "feedback.thumb": FeedbackThumb,
    "handoff.requested": HandoffRequested,
    "handoff.claimed": HandoffClaimed,
    "handoff.abandoned": HandoffAbandoned,
    "handoff.ended": HandoffEnded,
    "message.left": MessageLeft,
    "csat.submitted": CsatSubmitted,
    "conversation.ended": ConversationEnded,
    "followup.created": FollowupCreated,
    "followup.call_recorded": FollowupCallRecorded,
    "unanswered.recorded": UnansweredRecorded,
}


class EventError(ValueError):
    """An event that breaks the contract: unknown type, missing envelope field, wrong version."""


def envelope(type_: str, conversation_id: str, at: str | None = None, **fields: Any) -> dict[str, Any]:
    if type_ not in EVENT_TYPES:
        raise EventError(f"unknown analytics event type {type_!r}: one of {', '.join(EVENT_TYPES)}")
    return {"v": VERSION, "id": uuid.uuid4().hex, "type": type_, "at": at or now_iso(),
            "conversation_id": conversation_id, **fields}


def parse_at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def check(event: dict[str, Any]) -> dict[str, Any]:
    """The event if it keeps the contract's envelope; EventError naming what is wrong otherwise."""
    if event.get("v") != VERSION:
        raise EventError(f"event version {event.get('v')!r} is not {VERSION}")
    for name in ("id", "type", "at", "conversation_id"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise EventError(f"event field {name!r} is missing or not a string")
    if event["type"] not in EVENT_TYPES:
        raise EventError(f"unknown analytics event type {event['type']!r}")
    try:
        parse_at(event["at"])
    except ValueError:
        raise EventError(f"event time {event['at']!r} is not ISO-8601") from None
    return event
