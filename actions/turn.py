"""What one action invocation knows about the turn, and what the dialogue functions decide."""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.replies import Phrasebook, Reply
from actions.state import DialogueState


@dataclass(frozen=True)
class Turn:
    text: str
    intent: str | None
    book: Phrasebook
    faq_id: str | None = None
    user_messages: list[str] = field(default_factory=list)
    conversation_id: str = ""
    input_id: str | None = None  # the gateway's msg_id for this input (metadata), when it sent one


@dataclass(frozen=True)
class UnansweredNote:
    """A question the bot failed on, for the content editors (knowledge_base.faqs.unanswered)."""

    text: str
    reason: str  # "low_confidence" | "clarify_rejected" | "negative_feedback"
    candidates: list[str]


@dataclass(frozen=True)
class LearnedNote:
    """Evidence for the editors' suggestions (knowledge_base.faqs.learning): a citizen picked `entry_id` for
    `text` among the options ("pick"), or gave 👎 to the answer they picked ("reject")."""

    kind: str
    entry_id: str
    text: str = ""


@dataclass(frozen=True)
class Outcome:
    replies: list[Reply]
    state: DialogueState
    unanswered: UnansweredNote | None = None
    learned: LearnedNote | None = None
