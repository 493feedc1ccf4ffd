"""BM25 over normalised, stemmed tokens, with a per-query score bound and typo repair.

The scoring is bm25s's "lucene" variant (idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf part =
tf / (tf + k1 (1 - b + b dl / avgdl))), the same numbers as `bm25s.BM25(method="lucene")` (checked by
tests/knowledge_base/test_lexical.py), but the index is built with vectorised numpy: bm25s builds it in
pure Python, which was most of the time of a warm rebuild at 10k entries.

Scores are divided by the best score each query token can reach in the corpus (unknown tokens count
with a typical weight), so 1.0 means "every query word matched as well as it can" and a query full of
words the corpus never uses stays low whatever its raw BM25 score.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from knowledge_base.engine.normalize import is_arabic

MIN_FUZZY_LEN = 4


def _deletes(w: str) -> set[str]:
    return {w[:i] + w[i + 1 :] for i in range(len(w))}


def _postings(key: np.ndarray, n_docs: int, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, doc, tf) of each distinct (term, doc) pair, sorted by term then doc. `key` holds the term
    id of every token and is reused in place: at 10k entries the char-gram index has ~4M tokens and
    np.unique's temporaries were the peak memory of a rebuild."""
    key *= n_docs
    key += np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    key.sort()
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if key.size else np.zeros(0, np.int64)
    tf = np.diff(np.append(starts, key.size)).astype(np.float32)
    pairs = key[starts]
    del key
    return pairs // n_docs, (pairs % n_docs).astype(np.int32), tf


class LexicalIndex:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.5) -> None:
        self.n_docs = len(docs)
        self.vocab: dict[str, int] = {}
        docs = [d or [""] for d in docs]
        lens = np.array([len(d) for d in docs], dtype=np.int64)
        setdefault = self.vocab.setdefault
        key = np.fromiter((setdefault(t, len(self.vocab)) for d in docs for t in d), np.int64, int(lens.sum()))
        n, n_terms = max(self.n_docs, 1), len(self.vocab)
        term, doc, tf = _postings(key, n, lens)
        df = np.bincount(term, minlength=n_terms)
        idf = np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))
        norm = k1 * ((1 - b) + b * lens[doc] / max(float(lens.mean()) if lens.size else 1.0, 1e-9))
        self.data = (idf[term] * tf / (norm + tf)).astype(np.float32)
        self.indices = doc
        self.indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
        self.term_max = np.zeros(n_terms, np.float32)
        if self.data.size:
            nonempty = df > 0
            self.term_max[nonempty] = np.maximum.reduceat(self.data, self.indptr[:-1][nonempty])
        self.df = {t: int(df[i]) for t, i in self.vocab.items() if t}
        known = self.term_max[self.term_max > 0]
        self.oov_weight = float(np.median(known)) if known.size else 1.0
        self._del: dict[str, list[str]] = defaultdict(list)
        for t in self.df:
            if len(t) >= MIN_FUZZY_LEN - 1 and is_arabic(t):
                for d in _deletes(t):
                    self._del[d].append(t)

    def raw_scores(self, ids: list[int]) -> np.ndarray:
        """Sum of the BM25 term scores of the given vocabulary ids, per document."""
        if not ids:
            return np.zeros(self.n_docs, np.float32)
        sl = [slice(self.indptr[i], self.indptr[i + 1]) for i in ids]
        docs = np.concatenate([self.indices[s] for s in sl])
        vals = np.concatenate([self.data[s] for s in sl])
        return np.bincount(docs, weights=vals, minlength=self.n_docs).astype(np.float32)

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
        raw = self.raw_scores(ids)
        bound = float(self.term_max[ids].sum()) + unknown * self.oov_weight
        return (raw / max(bound, 1e-6)).astype(np.float32)
