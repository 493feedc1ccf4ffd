"""Dialogue state kept in Rasa slots, as one typed object the plain dialogue functions read and return."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypedDict


class CandidateInfo(TypedDict):
    id: str
    question: str
    score: float
    category: str


# What the bot's last question to the citizen was, so "yes"/"no" can be interpreted.
PENDING_FEEDBACK = "feedback"  # "هل أفادتك الإجابة؟"
PENDING_CLARIFY = "clarify"  # "هل تقصد:" with clarify_options
PENDING_OFFER = "offer_human"  # "هل تريد التحدث مع موظف؟" (offer_reason says why)


@dataclass(frozen=True)
class DialogueState:
    lang: str = "ar"
    last_entry_id: str | None = None
    last_category: str | None = None
    last_question: str | None = None
    answered_via: str | None = None  # "direct" | "clarify"
    pending: str | None = None
    offer_reason: str | None = None
    clarify_options: list[str] = field(default_factory=list)
    last_candidates: list[CandidateInfo] = field(default_factory=list)
    miss_streak: int = 0
    negative_feedback: int = 0
    last_input_id: str | None = None  # the last input answered, and its replies: a retried input (the
    last_replies: list[dict[str, Any]] = field(default_factory=list)  # gateway died mid-turn) gets them again

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> DialogueState:
        def text(name: str) -> str | None:
            value = slots.get(name)
            return str(value) if value not in (None, "") else None

        def count(name: str) -> int:
            try:
                return int(float(slots.get(name) or 0))
            except (TypeError, ValueError):
                return 0

        candidates = slots.get("last_candidates")
        return cls(
            lang="en" if slots.get("lang") == "en" else "ar",
            last_entry_id=text("last_entry_id"),
            last_category=text("last_category"),
            last_question=text("last_question"),
            answered_via=text("answered_via"),
            pending=text("pending"),
            offer_reason=text("offer_reason"),
            clarify_options=[str(x) for x in slots.get("clarify_options") or []],
            last_candidates=list(candidates) if isinstance(candidates, list) else [],
            miss_streak=count("miss_streak"),
            negative_feedback=count("negative_feedback"),
            last_input_id=text("last_input_id"),
            last_replies=[r for r in slots.get("last_replies") or [] if isinstance(r, dict)],
        )

    def to_slots(self) -> dict[str, Any]:
        slots = asdict(self)
        slots["miss_streak"] = float(self.miss_streak)
        slots["negative_feedback"] = float(self.negative_feedback)
        return slots

    def update(self, **changes: Any) -> DialogueState:
        return replace(self, **changes)
