"""Masking recall and false positives of ``pii.mask`` on the realistic set tests/data/pii/strings.jsonl.

Each line is ``{"text": ..., "personal": [exact substrings that must be masked]}``; ``personal: []``
marks an ordinary FAQ/citizen string whose numbers (fees, dates, durations, published service
numbers like 19911 or 920001234) must survive untouched.

Scoring works on the output of ``mask`` only:

* the text is cut into non-personal segments and personal substrings; the masked output must be
  the non-personal segments, unchanged and in order, with something in place of each personal
  substring — otherwise the string is a **false positive** (a change to a non-personal part);
* a personal substring counts as **masked** when what replaced it is nothing but placeholders
  like ``[mobile]`` (no digit or letter of it left over). Recall = masked / all personal substrings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from common.pii import mask

SET_PATH = Path(__file__).resolve().parents[1] / "data" / "pii" / "strings.jsonl"
MIN_RECALL = 0.98
_ONLY_PLACEHOLDERS = re.compile(r"\s*(?:\[[a-z_]+\]\s*)+")


@dataclass
class Score:
    personal: int = 0
    masked: int = 0
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    missed: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.masked / self.personal if self.personal else 1.0


def load_set(path: Path = SET_PATH) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _segments(text: str, personal: list[str]) -> list[tuple[str, bool]]:
    """``text`` as [(segment, is_personal)], personal substrings taken left to right."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for secret in personal:
        at = text.index(secret, pos)
        out.append((text[pos:at], False))
        out.append((secret, True))
        pos = at + len(secret)
    out.append((text[pos:], False))
    return out


def score(rows: list[dict], masker=mask) -> Score:
    result = Score()
    for row in rows:
        text, personal = row["text"], row["personal"]
        masked = masker(text)
        result.personal += len(personal)
        segments = _segments(text, personal)
        pattern = "".join("(.*?)" if secret else re.escape(seg) for seg, secret in segments)
        match = re.fullmatch(pattern, masked, flags=re.DOTALL)
        if match is None:
            result.false_positives.append((text, masked))
            continue
        for secret, replacement in zip(personal, match.groups(), strict=True):
            if _ONLY_PLACEHOLDERS.fullmatch(replacement):
                result.masked += 1
            else:
                result.missed.append((text, secret, replacement))
    return result


def test_the_set_is_big_and_varied_enough() -> None:
    rows = load_set()
    with_personal = [r for r in rows if r["personal"]]
    ordinary = [r for r in rows if not r["personal"]]
    assert len(rows) >= 120
    assert len(with_personal) >= 80
    assert len(ordinary) >= 40
    for row in with_personal:
        _segments(row["text"], row["personal"])  # every personal substring is in its text, in order


def test_recall_on_personal_data_is_at_least_98_percent() -> None:
    result = score(load_set())
    assert result.recall >= MIN_RECALL, f"recall {result.recall:.3f}; missed: {result.missed}"


def test_no_false_positive_on_ordinary_text_or_non_personal_parts() -> None:
    result = score(load_set())
    assert result.false_positives == []


@pytest.mark.parametrize("row", [r for r in load_set() if not r["personal"]], ids=lambda r: r["text"][:30])
def test_ordinary_strings_come_back_unchanged(row: dict) -> None:
    assert mask(row["text"]) == row["text"]


if __name__ == "__main__":  # quick report: .venv/bin/python tests/common/test_pii_set.py
    r = score(load_set())
    print(f"recall {r.masked}/{r.personal} = {r.recall:.3f}; false positives {len(r.false_positives)}")
    for item in r.missed:
        print("MISSED", item)
    for item in r.false_positives:
        print("FP    ", item)
