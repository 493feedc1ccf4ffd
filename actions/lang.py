"""Which language to reply in: English when the citizen writes English, Arabic otherwise (Arabizi included)."""

from __future__ import annotations

import re

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[A-Za-z']+")
# Arabizi writes ع ح ء خ as digits inside words (3arabi, 7aweel): a strong sign the citizen reads Arabic.
_ARABIZI_DIGIT_WORD = re.compile(r"[A-Za-z][2356789]|[2356789][A-Za-z]")
MIN_ARABIC_LETTERS = 3
_ENGLISH_WORDS = frozenset(
    "the a an i i'm is are am was be how what where when why who which do does did can could would should "
    "my me you your it its this that to for of in on and or with please want need help get apply fee fees "
    "cost much many long take renew card permit leave complaint appointment book there have has not no yes "
    "hello hi thanks thank bye person human agent".split()
)


def detect_language(text: str, previous: str = "ar") -> str:
    """'en' or 'ar'. Button payloads ("/intent") and text without letters keep the previous language."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/"):
        return previous
    arabic, latin = len(_ARABIC.findall(stripped)), len(_LATIN.findall(stripped))
    if arabic == 0 and latin == 0:
        return previous
    if arabic >= MIN_ARABIC_LETTERS or arabic >= latin:
        return "ar"  # anyone who mixes in Arabic words reads Arabic
    if _ARABIZI_DIGIT_WORD.search(stripped):
        return "ar"
    words = [w.lower() for w in _WORD.findall(stripped)]
    english = sum(1 for w in words if w in _ENGLISH_WORDS)
    return "en" if english and english * 3 >= len(words) else "ar"


def reply_language(text: str, previous: str = "ar", locale: str | None = None) -> str:
    """The language to answer in. ``locale`` is the widget's language choice (message metadata): it decides
    what the text alone cannot (button payloads, Latin text without common English words such as "iqama
    renewal"), but Arabic letters or Arabizi still get Arabic."""
    detected = detect_language(text, locale or previous)
    if locale == "en" and detected == "ar" and not _ARABIC.search(text) and not _ARABIZI_DIGIT_WORD.search(text):
        return "en"
    return detected
