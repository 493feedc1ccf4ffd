"""How a citizen writes: Modern Standard Arabic, Gulf dialect, English or Arabizi (for analytics).

Reuses the knowledge base's own language data: the Gulf words and phrases of data/dialect_general.yaml
and the Arabizi words of data/arabizi.yaml, so the style a report shows is the one search understood.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from knowledge_base.engine import yamltext
from knowledge_base.engine.normalize import fold, is_arabic, words

DATA = Path(__file__).resolve().parents[1] / "data"
STYLES = ("msa", "gulf", "english", "arabizi", "unknown")
_LETTER = re.compile(r"[^\W\d_]")
# Everyday Gulf function words the dialect file does not list (it maps service vocabulary to MSA).
_GULF_EXTRA = ("ابي", "ابغى", "ابغي", "ابا", "وش", "ايش", "شلون", "وين", "ليش", "مو", "مب", "عشان", "علشان",
               "الحين", "ودي", "يبي", "يبغى", "هذي", "كذا", "زين", "شي", "ياخي", "حق", "اللي", "تكفى", "مره")
_ARABIZI_DIGIT = re.compile(r"[a-z][2356789]|[2356789][a-z]")


@cache
def _gulf() -> tuple[frozenset[str], tuple[str, ...]]:
    data = yamltext.load((DATA / "dialect_general.yaml").read_text(encoding="utf-8"))
    single = {fold(w) for w in data.get("words", {}) if is_arabic(w) and " " not in w.strip()}
    phrases = tuple(fold(p) for p in data.get("phrases", {}) if is_arabic(p))
    return frozenset(single | {fold(w) for w in _GULF_EXTRA}), phrases


@cache
def _arabizi_words() -> frozenset[str]:
    data = yamltext.load((DATA / "arabizi.yaml").read_text(encoding="utf-8"))
    return frozenset(str(w).lower() for w in data.get("words", {}))


def detect_style(text: str) -> str:
    """One of STYLES; "unknown" for button payloads and texts without letters."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/") or not _LETTER.search(stripped):
        return "unknown"
    tokens = words(stripped)
    arabic = sum(1 for t in tokens if is_arabic(t))
    if arabic and arabic * 2 >= len(tokens):
        single, phrases = _gulf()
        folded = " ".join(tokens)
        gulf = any(t in single for t in tokens) or any(f" {p} " in f" {folded} " for p in phrases)
        return "gulf" if gulf else "msa"
    latin = [t.lower() for t in tokens if not is_arabic(t)]
    known = _arabizi_words()
    if any(_ARABIZI_DIGIT.search(t) or t in known for t in latin):
        return "arabizi"
    return "english"
