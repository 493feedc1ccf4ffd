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


BLIND = Path(__file__).resolve().parents[1] / "data" / "blind" / "human"
BLIND_FILES = [("dev.jsonl", 0.97), ("holdout.jsonl", 0.95), ("holdout2.jsonl", 0.97), ("holdout3.jsonl", 0.97)]


@pytest.mark.parametrize(("name", "min_recall"), BLIND_FILES)
def test_blind_requests_and_look_alikes(rasa_stack, name: str, min_recall: float) -> None:  # type: ignore[no-untyped-def]
    """Written blind (tests/data/blind/human): 70 requests of every kind (availability, with a topic,
    angry, call-back, refusing the bot, one word) and 40 look-alikes per file. dev tuned the rule check
    (1.0 recall, 0 false); holdout was scored blind once: 0.957 (67 of 70), 1 false handoff in 40. Rules for
    the kinds it missed were then added (checked on dev only): re-scored 1.0, 1 false (no longer blind).
    holdout2 (another writer) scored blind once: 0.914 (64 of 70), 2 false in 40; rules for its kinds (call-backs
    beside a phone number, "give me a phone call", Arabizi spellings, "اونلاين", thanks and "لم" negations) were
    added, checked on dev and holdout: re-scored 1.0, 0 false (no longer blind). holdout3 (a third writer) was then
    scored blind once: 0.971 (68 of 70), 2 false in 40."""
    rows = [json.loads(line) for line in (BLIND / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    missed, false = [], []
    for r in rows:
        h = handoff(Chat(rasa_stack.rasa_url).say(r["q"]))
        if r["label"] == "human" and (h or {}).get("reason") != "user_request":
            missed.append(r["q"])
        if r["label"] != "human" and h is not None:
            false.append(r["q"])
    requests = sum(r["label"] == "human" for r in rows)
    assert 1 - len(missed) / requests >= min_recall, missed
    assert len(false) <= (len(rows) - requests) / 10, false


def test_a_request_with_a_topic_carries_it_to_the_agent(rasa_stack) -> None:  # type: ignore[no-untyped-def]
    h = handoff(Chat(rasa_stack.rasa_url).say("ابي اكلم موظف بخصوص تجديد رخصة العمل حق العامل"))
    assert h is not None and h["reason"] == "user_request"
    assert h["topic"] and any(c["id"].startswith("permits-") for c in h["candidates"]), h
