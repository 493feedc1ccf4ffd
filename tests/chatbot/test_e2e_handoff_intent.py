"""Held-out check of the trained model: asking for a person hands off, mentioning an employee does not.

None of these sentences is in chatbot/data; they go through the real Rasa server like any citizen message.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chatbot_harness import Chat, handoff

pytestmark = pytest.mark.rasa

HELD_OUT = json.loads((Path(__file__).parent / "data" / "handoff_heldout.json").read_text(encoding="utf-8"))
MIN_RECALL = 0.8


def test_employee_mentions_never_hand_off(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    wrongly = [t for t in HELD_OUT["employee_mention"] if handoff(Chat(rasa_stack.rasa_url).say(t)) is not None]
    assert wrongly == []


def test_requests_for_a_person_hand_off(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    sentences = HELD_OUT["request_human"]
    reasons = {t: (handoff(Chat(rasa_stack.rasa_url).say(t)) or {}).get("reason") for t in sentences}
    caught = [t for t, reason in reasons.items() if reason == "user_request"]
    assert len(caught) / len(sentences) >= MIN_RECALL, f"missed: {[t for t in sentences if t not in caught]}"
