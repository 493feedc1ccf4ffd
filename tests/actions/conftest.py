"""Fixtures for the action tests (the harness itself is in actions_harness.py)."""

from __future__ import annotations

import pytest
from actions_harness import Conversation, FakeKB

from actions.unanswered import UnansweredRecorder


@pytest.fixture
def kb() -> FakeKB:
    return FakeKB()


@pytest.fixture
def conversation(kb: FakeKB) -> Conversation:
    # A Redis that does not answer: recording must fail quietly without touching the replies.
    return Conversation(kb_getter=lambda: kb, recorder=UnansweredRecorder("redis://127.0.0.1:1/0", "faq:"))
