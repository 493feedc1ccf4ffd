"""Arabizi (Latin letters + digits) → Arabic script, guided by the corpus vocabulary.

Each Latin word expands to candidate spellings from data/arabizi.yaml (ambiguous letters and short
vowels give several); a candidate found in the corpus vocabulary wins, otherwise the default (first
choice of every letter) is used. English words are left alone unless the query is mostly Arabizi.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection

from knowledge_base.engine.normalize import Normalizer, fold

MAX_CANDIDATES = 256
_LATIN_WORD = re.compile(r"^[a-z0-9']+$")
_DIGIT_IN_WORD = re.compile(r"[a-z]['\d]|['\d][a-z]|^[23567]'?[a-z]|[a-z][23567]$")
_ARTICLE = re.compile(r"\b(?:el|al|il)[- ](?=[a-z0-9])")

ENGLISH_HINTS = frozenset(
    "the how to my i can what is are do does for of in on a an where when which with and or change "
    "renew pay fee fees login password account apply please need want get reset forgot".split()
)


def is_latin(word: str) -> bool:
    return bool(_LATIN_WORD.match(word)) and not word.isdigit()


class Transliterator:
    def __init__(self, norm: Normalizer) -> None:
        data = norm.arabizi
        self.words = {k.lower(): [fold(v) for v in vs] for k, vs in data["words"].items()}
        self.multi = sorted(((k.lower(), [fold(v) for v in vs]) for k, vs in data["multi"].items()),
                            key=lambda kv: -len(kv[0]))
        self.letters = {str(k).lower(): [fold(v) for v in vs] for k, vs in data["letters"].items()}
        self._memo: dict[str, str | None] = {}
        self.vowels = {pos: {k: [fold(v) for v in vs] for k, vs in m.items()}
                       for pos, m in data["vowels"].items()}

    def looks_arabizi(self, word: str) -> bool:
        return word in self.words or bool(_DIGIT_IN_WORD.search(word))

    def _units(self, word: str) -> list[list[str]]:
        """Split a word into letter units, each with its candidate Arabic spellings."""
        out: list[list[str]] = []
        i = 0
        while i < len(word):
            for src, cands in self.multi:
                if word.startswith(src, i):
                    out.append(cands)
                    i += len(src)
                    break
            else:
                ch = word[i]
                pos = "initial" if i == 0 else ("final" if i == len(word) - 1 else "medial")
                out.append(self.vowels[pos].get(ch) or self.letters.get(ch) or [""])
                i += 1
        return out

    def candidates(self, word: str) -> list[str]:
        if word in self.words:
            return self.words[word]
        if word.startswith(("al", "el")) and len(word) > 4:
            rest = self.candidates(word[2:])
            return ["ال" + c for c in rest] + [c for c in self._expand(word) if c not in rest]
        return self._expand(word)

    def _expand(self, word: str) -> list[str]:
        units = self._units(word)
        cands: list[str] = []
        for combo in itertools.islice(itertools.product(*units), MAX_CANDIDATES):
            s = "".join(combo)
            if s and s not in cands:
                cands.append(s)
        return cands

    def word(self, word: str, known: Callable[[str], int]) -> tuple[str, bool]:
        """Best Arabic spelling of one Latin word and whether the corpus vocabulary confirmed it.
        `known` grades a spelling (higher = closer to how the corpus writes it, 0 = unknown); the
        first candidate of the best grade wins."""
        cands = self.candidates(word)
        best, grade = (cands[0] if cands else word), 0
        for c in cands:
            g = known(c)
            if g > grade:
                best, grade = c, g
                if g >= 3:
                    break
        return best, grade > 0

    def sentence(self, text: str, known: Callable[[str], int]) -> tuple[str, bool]:
        """Transliterate a folded sentence when it is mostly Arabizi; returns (text, changed)."""
        text = _ARTICLE.sub("al", text)
        toks = text.split()
        latin = [t for t in toks if is_latin(t)]
        evidence = sum(self.looks_arabizi(t) for t in latin)
        english = sum(t in ENGLISH_HINTS for t in latin)
        if not latin or evidence == 0 or evidence <= english:
            return text, False
        out = [self.word(t, known)[0] if is_latin(t) and t not in ENGLISH_HINTS else t for t in toks]
        return " ".join(out), True

    def confirmed_words(self, toks: Collection[str], known: Callable[[str], int]) -> list[str]:
        """Arabic spellings of Latin words (e.g. platform names) that the corpus vocabulary writes so.
        Results are memoised per word: build one Transliterator per index."""
        out = []
        for t in toks:
            if is_latin(t) and len(t) >= 3 and t not in ENGLISH_HINTS:
                if t not in self._memo:
                    w, _ = self.word(t, known)
                    self._memo[t] = w if known(w) >= 2 else None
                if self._memo[t]:
                    out.append(self._memo[t])
        return out
