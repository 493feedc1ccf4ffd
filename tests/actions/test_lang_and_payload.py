"""Reply language detection and the handoff payload shape the gateway relies on."""

from __future__ import annotations

import pytest

from actions.lang import detect_language
from actions.payload import SUMMARY_CHARS, build_payload, summarise


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("كيف اجدد رخصة العمل؟", "ar"),
        ("How do I renew my work permit?", "en"),
        ("I want a real person", "en"),
        ("and the fee?", "en"),
        ("kaif ajaded rokhsat al3amal", "ar"),
        ("abi akalim mowadaf", "ar"),
        ("ابي اعرف about the fee", "ar"),
        ("salam", "ar"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["/feedback_negative", "", "😀", "123"])
def test_payloads_and_symbols_keep_the_previous_language(text: str) -> None:
    assert detect_language(text, previous="en") == "en"


def test_payload_shape() -> None:
    cands = [
        {"id": f"e{i}", "question": f"q{i}", "score": 0.123456 + i, "category": "c"} for i in range(5)
    ]
    payload = build_payload("low_confidence", "c", cands, ["مرحبا", "/affirm", "كم الرسوم؟"])  # type: ignore[arg-type]
    assert payload == {
        "handoff": {
            "reason": "low_confidence",
            "topic": "c",
            "candidates": [
                {"id": "e0", "question": "q0", "score": 0.1235},
                {"id": "e1", "question": "q1", "score": 1.1235},
                {"id": "e2", "question": "q2", "score": 2.1235},
            ],
            "summary": ["مرحبا", "كم الرسوم؟"],
        }
    }


def test_summary_keeps_the_last_five_typed_messages_cut_to_length() -> None:
    messages = [f"رسالة {i}" for i in range(8)] + ["ب" * 2000]
    summary = summarise(messages)
    assert summary[:4] == ["رسالة 4", "رسالة 5", "رسالة 6", "رسالة 7"]
    assert len(summary) == 5 and len(summary[-1]) == SUMMARY_CHARS


def test_unknown_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown handoff reason"):
        build_payload("bored", None, [], [])  # type: ignore[arg-type]
