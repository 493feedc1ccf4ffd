"""Is a message small talk (hello, thanks, how are you, "are you married")? Then it is no question for the FAQ.

The unanswered list (knowledge_base.faqs.unanswered) is where editors find the FAQs to write; greetings and
requests for a person that reach it land in the biggest cluster and give it their title. A deterministic
check over the word lists in data/chitchat.yaml, like person_request.py, so an editor can read and extend it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from knowledge_base.engine import yamltext
from knowledge_base.engine.normalize import fold, words

DATA = Path(__file__).resolve().parents[1] / "data" / "chitchat.yaml"
MAX_WORDS = 8  # "السلام عليكم ورحمة الله وبركاته كيف حالك": longer messages of social words alone are rare


@lru_cache(maxsize=1)
def _lists() -> dict[str, tuple[str, ...]]:
    raw = yamltext.load(DATA.read_text(encoding="utf-8"))
    return {k: tuple(fold(str(w)) for w in v) for k, v in raw.items()}


def _no_letters(text: str) -> bool:
    return not any(unicodedata.category(ch)[0] in "LN" for ch in text)


def _social(w: str) -> bool:
    social = _lists()["social"]
    laughter = len(w) >= 3 and (set(w) == {"ه"} or set(w) <= {"h", "a"})
    return laughter or w in social or (len(w) > 3 and w[0] in "وف" and w[1:] in social)


def is_chitchat(text: str) -> bool:
    if text.lstrip().startswith("/"):
        return False  # a button payload says what it means
    if _no_letters(text):
        return True  # emoji, "؟؟", "..."
    ws = words(text)
    if not ws:
        return True
    if len(ws) <= MAX_WORDS and all(_social(w) for w in ws):
        return True
    folded = " ".join(ws)
    if any(t in ws for t in _lists()["topic"]):
        return False
    return any(f" {p} " in f" {folded} " for p in _lists()["phrases"])
