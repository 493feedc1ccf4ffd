"""The handoff payload the gateway acts on (documented in docs/handoff-payload.md)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from actions.state import CandidateInfo
from contracts.handoff import HANDOFF_REASONS as REASONS
from contracts.handoff import Candidate as PayloadCandidate
from contracts.handoff import HandoffBody, HandoffReason

__all__ = ["REASONS", "HandoffBody", "HandoffPayload", "HandoffReason", "PayloadCandidate", "build_payload"]

SUMMARY_MESSAGES = 5
SUMMARY_CHARS = 500
MAX_CANDIDATES = 3


class HandoffPayload(TypedDict):
    handoff: HandoffBody


class ContextBody(TypedDict):
    topic: str | None
    candidates: list[PayloadCandidate]


class ContextPayload(TypedDict):
    """Sent after every turn that does not hand off: the gateway keeps the latest per conversation, so a
    handoff the citizen asks for through the widget's link (no bot turn) still carries topic and candidates."""

    context: ContextBody


def summarise(user_messages: Iterable[str]) -> list[str]:
    """The citizen's last typed messages, oldest first; button payloads ("/intent") are not what they wrote."""
    typed = [m.strip() for m in user_messages if m and m.strip() and not m.strip().startswith("/")]
    return [m[:SUMMARY_CHARS] for m in typed[-SUMMARY_MESSAGES:]]


def build_payload(
    reason: HandoffReason, topic: str | None, candidates: list[CandidateInfo], user_messages: Iterable[str]
) -> HandoffPayload:
    if reason not in REASONS:
        raise ValueError(f"unknown handoff reason {reason!r}; expected one of {REASONS}")
    picked = _picked(candidates)
    return {"handoff": {"reason": reason, "topic": topic, "candidates": picked, "summary": summarise(user_messages)}}


def build_context(topic: str | None, candidates: list[CandidateInfo]) -> ContextPayload:
    return {"context": {"topic": topic, "candidates": _picked(candidates)}}


def _picked(candidates: list[CandidateInfo]) -> list[PayloadCandidate]:
    return [
        {"id": c["id"], "question": c["question"], "score": round(float(c["score"]), 4)}
        for c in candidates[:MAX_CANDIDATES]
    ]
