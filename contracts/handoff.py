"""The handoff packet: what the assistant sends in ``custom.handoff`` and the gateway queues.

docs/handoff-payload.md is the prose version. The action server builds a ``HandoffBody``
(actions/payload.py); the gateway re-validates it (handoff/rasa.py, Rasa's reply is untrusted input) and
stamps ``requested_at`` to make the ``HandoffPacket`` it queues (handoff/flow.py, handoff/queue.py).
"""

from __future__ import annotations

from typing import Literal, TypedDict, TypeGuard, get_args

HandoffReason = Literal["user_request", "low_confidence", "repeated_miss", "negative_feedback"]
HANDOFF_REASONS: tuple[HandoffReason, ...] = get_args(HandoffReason)


class Candidate(TypedDict):
    """A knowledge-base entry considered for the citizen's last question (score: fused, 4 decimals)."""

    id: str
    question: str
    score: float


class HandoffBody(TypedDict):
    reason: HandoffReason
    topic: str | None
    candidates: list[Candidate]
    summary: list[str]


class HandoffPacket(HandoffBody):
    requested_at: str


def is_reason(value: object) -> TypeGuard[HandoffReason]:
    return value in HANDOFF_REASONS
