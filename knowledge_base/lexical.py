"""BM25 (bm25s) over normalised, stemmed tokens, with a per-query score bound and typo repair.

Scores are divided by the best score each query token can reach in the corpus (unknown tokens count
with a typical weight), so 1.0 means "every query word matched as well as it can" and a query full of
words the corpus never uses stays low whatever its raw BM25 score.
"""

from __future__ import annotations

from collections import defaultdict

import bm25s
import numpy as np

from knowledge_base.normalize import is_arabic

MIN_FUZZY_LEN = 4


def _deletes(w: str) -> set[str]:
    return {w[:i] + w[i + 1 :] for i in range(len(w))}


class LexicalIndex:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.5) -> None:
        self.n_docs = len(docs)
        self.bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        # an empty corpus still gets a one-document index so every method works (and scores nothing)
        self.bm25.index([d or [""] for d in docs] or [["\x00"]], show_progress=False)
        sc = self.bm25.scores
        data, indptr = np.asarray(sc["data"]), np.asarray(sc["indptr"])
        self.term_max = np.zeros(len(indptr) - 1, np.float32)
        nonempty = np.diff(indptr) > 0
        if data.size:
            self.term_max[nonempty] = np.maximum.reduceat(data, indptr[:-1][nonempty])
        self.vocab: dict[str, int] = dict(self.bm25.vocab_dict)
        df = np.diff(indptr)
        self.df = {t: int(df[i]) for t, i in self.vocab.items() if t}
        known = self.term_max[self.term_max > 0]
        self.oov_weight = float(np.median(known)) if known.size else 1.0
        self._del: dict[str, list[str]] = defaultdict(list)
        for t in self.df:
            if len(t) >= MIN_FUZZY_LEN - 1 and is_arabic(t):
                for d in _deletes(t):
                    self._del[d].append(t)

    def knows(self, token: str) -> bool:
        return token in self.df

    def repair(self, token: str) -> str | None:
        """A vocabulary term one edit away from an unknown token (most frequent wins), or None."""
        if len(token) < MIN_FUZZY_LEN or not is_arabic(token):
            return None
        cands = set(self._del.get(token, ()))  # the user dropped a letter
        for d in _deletes(token):
            if d in self.df:
                cands.add(d)  # the user added a letter
            cands.update(self._del.get(d, ()))  # the user replaced a letter
        cands.discard(token)
        return max(cands, key=lambda t: (self.df[t], t)) if cands else None

    def resolve(self, tokens: list[str]) -> tuple[list[str], int]:
        """Known tokens, repaired unknown ones; also the number of tokens still unknown."""
        out, unknown = [], 0
        for t in dict.fromkeys(tokens):
            if t in self.df:
                out.append(t)
                continue
            r = self.repair(t)
            if r is None:
                unknown += 1
            elif r not in out:
                out.append(r)
        return out, unknown

    def scores(self, tokens: list[str]) -> np.ndarray:
        """Per-document score in [0, 1] (see module docstring)."""
        known, unknown = self.resolve(tokens)
        if not known or not self.n_docs:
            return np.zeros(self.n_docs, np.float32)
        ids = [self.vocab[t] for t in known]
        raw = self.bm25.get_scores_from_ids(ids)[: self.n_docs]
        bound = float(self.term_max[ids].sum()) + unknown * self.oov_weight
        return (raw / max(bound, 1e-6)).astype(np.float32)
