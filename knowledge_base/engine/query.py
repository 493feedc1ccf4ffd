"""Query analysis: one user text → (text for the encoder, tokens for BM25)."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge_base.engine.actions import default_lexicon
from knowledge_base.engine.arabizi import Transliterator
from knowledge_base.engine.chitchat import is_chitchat
from knowledge_base.engine.lexical import LexicalIndex
from knowledge_base.engine.normalize import Normalizer, clean, fold, words

MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class AnalysedQuery:
    dense_text: str
    lex_tokens: list[str]
    char_grams: list[str]
    arabizi: bool
    truncated: bool
    actions: int = 0  # actions.ActionLexicon mask: what the citizen wants done (issue, renew, ...)
    small_talk: bool = False  # chitchat.is_chitchat: no entry is the answer, whatever words it shares with one


class QueryAnalyzer:
    def __init__(self, norm: Normalizer, lex: LexicalIndex, surface_vocab: set[str]) -> None:
        self.norm = norm
        self.lex = lex
        self.surface = surface_vocab
        self.translit = Transliterator(norm)
        self.lexicon = default_lexicon()

    def known(self, word: str) -> int:
        """3 when the corpus writes this folded word exactly, 2 when it writes it without the article,
        1 when only its stem is indexed, 0 otherwise."""
        if word in self.surface:
            return 3
        if word.startswith("ال") and word[2:] in self.surface:
            return 2
        stem = self.norm.stem(word)
        return int(len(stem) >= 3 and self.lex.knows(stem))

    def analyse(self, text: str) -> AnalysedQuery:
        truncated = len(text) > MAX_QUERY_CHARS
        if truncated:
            text = text[:MAX_QUERY_CHARS]
        folded = " ".join(words(text))
        translit, arabizi = self.translit.sentence(folded, self.known)
        if arabizi:
            dense_text = lex_text = translit
        else:
            dense_text = clean(text)
            extra = self.translit.confirmed_words(folded.split(), self.known)
            lex_text = " ".join([folded, *extra])
        actions = self.lexicon.mask(self.norm, f"{folded} {lex_text}" if arabizi else lex_text)
        return AnalysedQuery(dense_text or fold(text), self.norm.lex_tokens(lex_text),
                             self.norm.char_grams(lex_text), arabizi, truncated, actions, is_chitchat(text))

