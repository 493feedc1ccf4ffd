"""One citizen text → what the classifier reads: masked text, encoder input, normalised tokens.

Personal data is masked first (common/pii.py) so that nothing after this point, the encoder,
the stored result or a log line, ever sees it. Arabizi sentences are transliterated with the
knowledge base's Transliterator, guided by the vocabulary of the cues and training texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from common import pii
from knowledge_base.engine.arabizi import Transliterator
from knowledge_base.engine.normalize import Normalizer, clean, words

MAX_CHARS = 1000  # e5 reads 512 tokens; a longer text is cut here, and the result says so
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Prepared:
    masked: str
    dense: str
    tokens: tuple[str, ...]
    arabizi: bool
    truncated: bool

    @property
    def empty(self) -> bool:
        """No letter at all (empty, spaces, emoji, digits): nothing to classify."""
        return not _LETTER.search(self.masked)


class TextPreparer:
    def __init__(self, norm: Normalizer, vocabulary: Iterable[str]) -> None:
        self.norm = norm
        self.surface = set()
        for text in vocabulary:
            self.surface.update(w for w in words(text) if not w.isascii())
        self.stems = {norm.stem(w) for w in self.surface}
        self.translit = Transliterator(norm)

    def known(self, word: str) -> int:
        if word in self.surface:
            return 3
        if word.startswith("ال") and word[2:] in self.surface:
            return 2
        return int(len(word) >= 3 and self.norm.stem(word) in self.stems)

    def tokens(self, text: str) -> list[str]:
        """Folded, dialect-mapped, light-stemmed words; stopwords kept (negations and question words
        are what separates "ما وصلني الرمز" from "كيف يوصلني الرمز")."""
        return [self.norm.stem(w) for w in self.norm.dialect(words(text))]

    def prepare(self, text: str) -> Prepared:
        truncated = len(text) > MAX_CHARS
        masked = pii.mask(text[:MAX_CHARS] if truncated else text)
        folded = " ".join(words(masked))
        translit, arabizi = self.translit.sentence(folded, self.known)
        toks = self.tokens(masked)
        if arabizi:
            toks += ["|", *self.tokens(translit)]
        dense = translit if arabizi else clean(masked)
        return Prepared(masked, dense, tuple(toks), arabizi, truncated)


Pattern = tuple[tuple[str, bool], ...]


class PhraseMatcher:
    """Counts phrases of a list in a token sequence. A phrase goes through the same pipeline as the text;
    a Latin word ending in "*" matches any token starting with it. Phrases are indexed by their first
    word so a text costs one dictionary look-up per token."""

    def __init__(self, prep: TextPreparer, phrases: Iterable[object]) -> None:
        self.exact: dict[str, set[Pattern]] = {}
        self.prefixed: set[Pattern] = set()
        for p in phrases:
            p = str(p).strip()
            if "*" in p:
                pat = tuple((w.lower().rstrip("*"), w.endswith("*")) for w in p.split())
            else:
                pat = tuple((t, False) for t in prep.tokens(p))
            if pat and pat[0][1]:
                self.prefixed.add(pat)
            elif pat:
                self.exact.setdefault(pat[0][0], set()).add(pat)

    def positions(self, toks: tuple[str, ...]) -> list[int]:
        """Start position of every match (one per matching phrase and place)."""
        out = []
        for i, tok in enumerate(toks):
            for pat in self.exact.get(tok, ()):
                out += [i] if _matches_at(pat, toks, i) else []
            out += [i for pat in self.prefixed if _matches_at(pat, toks, i)]
        return out

    def count(self, toks: tuple[str, ...]) -> int:
        return len(self.positions(toks))


def _matches_at(pat: Pattern, toks: tuple[str, ...], i: int) -> bool:
    if i + len(pat) > len(toks):
        return False
    return all(toks[i + k].startswith(w) if pre else toks[i + k] == w for k, (w, pre) in enumerate(pat))
