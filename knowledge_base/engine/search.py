"""Hybrid search (dense e5 + BM25) with calibrated answer / clarify / handoff decisions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge_base.engine import actions as act
from knowledge_base.engine.channels import Channels
from knowledge_base.engine.corpus import FaqEntry, check_unique, corpus_hash, published
from knowledge_base.engine.dense import DenseIndex
from knowledge_base.engine.embcache import EmbeddingCache, encode_passages_cached
from knowledge_base.engine.encoders import Encoder, encoder_from_env, numerics_of
from knowledge_base.engine.errors import CorpusError, EmptyQueryError
from knowledge_base.engine.gate import GateReport
from knowledge_base.engine.indexio import IndexMeta, check_encoder_dim, load_index, save_index
from knowledge_base.engine.lexical import LexicalIndex
from knowledge_base.engine.memory import pin_mmap_threshold, release_freed_memory
from knowledge_base.engine.neighbours import from_record
from knowledge_base.engine.normalize import Normalizer, clean, default_normalizer, words
from knowledge_base.engine.query import AnalysedQuery, QueryAnalyzer
from knowledge_base.engine.selfcal import LeaveOut, corpus_profile
from knowledge_base.engine.thresholds import Decision, Thresholds, default_thresholds

DENSE_FIELDS_K = 200      # dense neighbours fetched from FAISS before grouping by entry
LEX_ENTRIES_K = 50        # best BM25 entries added to the candidate pool
CONTEXT_BOOST = 0.02      # same category as the previous answer: breaks near-ties only
QUERY_CACHE_SIZE = 4096
BEST_FIELDS = 2          # an entry's question/alternative score: mean of its 2 best cosines (one
                          # lucky paraphrase matters less; +1.5 top-1 on the situational traffic set)
QA_WEIGHT = 1.0           # question+answer field vs best question/alternative (chosen on the dev set)
DENSE_SCALE = 0.1         # typical spread of e5 cosines: puts dense on the scale of the BM25 channels
BASELINE_SAMPLE = 512     # fields sampled once to estimate a query's background cosine


_last_analysis: dict[tuple[str, str], tuple[list[str], list[str], list[str]]] = {}


def _analyse_fields(norm: Normalizer, texts: list[str], remember: bool) -> tuple[list, list, list]:
    """(words, BM25 tokens, char-grams) per field text. With `remember` (in-memory builds, i.e. live
    reindex) the results are kept for the next build, so rebuilding after an edit only analyses the
    changed texts; only the latest corpus is kept. Loading an index from disk does not remember
    (about 100 MB at 10k entries that a serving process does not need)."""
    global _last_analysis
    memo = {}
    for t in texts:
        key = (norm.version, t)
        hit = _last_analysis.get(key) or memo.get(key)
        if hit is None:
            ws = words(t)
            hit = (ws, *norm.analyse_words(ws))
        memo[key] = hit
    _last_analysis = memo if remember else {}
    rows = [memo[(norm.version, t)] for t in texts]
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


@lru_cache(maxsize=1)
def _encode_pool() -> ThreadPoolExecutor:
    """Shared by every index of the process (live reindex swaps indexes; threads must not pile up)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="kb-encode")


def _mean_of_best(sims: np.ndarray, lengths: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    """Per consecutive segment of `lengths` fields, the mean of its BEST_FIELDS highest `sims` (among
    `keep`; a segment with fewer fields averages what it has)."""
    seg = np.repeat(np.arange(len(lengths)), lengths)
    if keep is not None:
        sims, seg = sims[keep], seg[keep]
    order = np.lexsort((-sims, seg))
    seg_sorted = seg[order]
    first = np.searchsorted(seg_sorted, np.arange(len(lengths)))
    top = (np.arange(len(order)) - first[seg_sorted]) < BEST_FIELDS
    sums = np.bincount(seg_sorted[top], weights=sims[order][top], minlength=len(lengths))
    counts = np.bincount(seg_sorted[top], minlength=len(lengths))
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def _per_entry(field_scores: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return np.maximum.reduceat(field_scores, offsets) if len(offsets) else field_scores


@dataclass(frozen=True)
class SearchContext:
    previous_entry_id: str | None = None
    previous_category: str | None = None


@dataclass(frozen=True)
class Candidate:
    entry: FaqEntry
    score: float
    dense: float = 0.0
    lexical: float = 0.0

    id = property(lambda self: self.entry.id)
    question = property(lambda self: self.entry.question)
    answer = property(lambda self: self.entry.answer)
    category = property(lambda self: self.entry.category)
    links = property(lambda self: self.entry.links)


@dataclass(frozen=True)
class SearchResult:
    decision: Decision
    candidates: list[Candidate]
    truncated: bool = False
    margin: float = 0.0
    analysed: AnalysedQuery | None = field(default=None, repr=False)
    gate: GateReport | None = None  # the answer gate's reasons, when the index has a gate
    scope: GateReport | None = None  # the scope gate's: is the question one this corpus covers at all?
    near: str = ""  # "answer": labelled questions near it were in scope; "outside": "not covered" (neighbours.py)

    @property
    def options(self) -> list[Candidate]:
        """What the user is offered: the best entry, the top 3 on clarify, nothing on handoff."""
        return {"answer": self.candidates[:1], "clarify": self.candidates[:3]}.get(self.decision, [])


def entry_fields(e: FaqEntry) -> list[str]:
    """Texts indexed for one entry: question, each alternative, and question + answer."""
    return [e.question, *e.alternatives, f"{e.question}\n{e.answer}"]


class KnowledgeBase:
    def __init__(self, entries: list[FaqEntry], dense: DenseIndex, encoder: Encoder,
                 thresholds: Thresholds, norm: Normalizer, meta: IndexMeta, remember: bool = False) -> None:
        pin_mmap_threshold()
        thresholds.check_encoder(encoder.name, numerics_of(encoder))
        self.entries = entries
        self.encoder = encoder
        self.thresholds = thresholds
        self.norm = norm
        self.meta = meta
        self.dense = dense
        self._by_id = {e.id: e for e in entries}
        texts = [entry_fields(e) for e in entries]
        counts = np.array([len(t) for t in texts], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.field_entry = np.repeat(np.arange(len(entries)), counts)
        flat = [t for ts in texts for t in ts]
        field_words, field_tokens, field_grams = _analyse_fields(norm, flat, remember)
        self.lex = LexicalIndex(field_tokens)
        self.grams = LexicalIndex(field_grams)
        postings: dict[str, set[int]] = {}
        for f, toks in enumerate(field_tokens):
            for t in toks:
                postings.setdefault(t, set()).add(int(self.field_entry[f]))
        self.term_entries = {t: np.array(sorted(es), dtype=np.int64) for t, es in postings.items()}
        n_docs = max(len(flat), 1)
        self.idf = {t: float(np.log(1 + n_docs / df)) for t, df in self.lex.df.items()}
        self.max_idf = float(np.log(1 + n_docs))
        self.qa_field = self.offsets + counts - 1
        rng = np.random.default_rng(0)
        n = len(flat)
        self.baseline_fields = np.sort(rng.choice(n, size=min(n, BASELINE_SAMPLE), replace=False)) \
            if n else np.zeros(0, np.int64)
        self.baseline_vectors = np.ascontiguousarray(dense.vectors[self.baseline_fields])
        self.analyzer = QueryAnalyzer(norm, self.lex, {w for ws in field_words for w in ws})
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._qlock = threading.Lock()
        self.categories = np.array([e.category for e in entries], dtype=object)
        self.entry_actions = act.entry_masks(self.analyzer.lexicon, norm, [e.question for e in entries])
        release_freed_memory()

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def build(cls, entries: Iterable[FaqEntry], encoder: Encoder | None = None,
              cache: EmbeddingCache | None = None, thresholds: Thresholds | None = None,
              normalizer: Normalizer | None = None, index_kind: str = "auto") -> KnowledgeBase:
        """Index the published entries in memory (re-encoding only texts the cache lacks)."""
        pin_mmap_threshold()
        entries = published(entries)
        check_unique(entries)
        for e in entries:
            if not e.question.strip() or not e.answer.strip():
                raise CorpusError(e.id, None, "question" if not e.question.strip() else "answer", "empty")
        encoder = encoder or encoder_from_env()
        norm = normalizer or default_normalizer()
        flat = [clean(t) for e in entries for t in entry_fields(e)]
        vectors, _ = encode_passages_cached(encoder, flat, cache)
        dense = DenseIndex(vectors.reshape(len(flat), encoder.dim), kind=index_kind)
        meta = IndexMeta(encoder.name, encoder.dim, norm.version, corpus_hash(entries), dense.kind,
                         numerics_of(encoder))
        kb = cls(entries, dense, encoder, thresholds or default_thresholds(), norm, meta, remember=True)
        if kb.thresholds.needs_profile:
            kb.thresholds = replace(kb.thresholds, profile=corpus_profile(kb))
        return kb

    @classmethod
    def load(cls, index_dir: str | Path, encoder: Encoder | None = None, local: bool = True,
             cache: EmbeddingCache | None = None) -> KnowledgeBase:
        """`local`: serve the labelled-neighbours rule `recalibrate --write` stored (its labelled questions are
        encoded here, or read from `cache`); `recalibrate` itself replaces it, so it skips that encoding."""
        encoder = encoder or encoder_from_env()
        stored = load_index(Path(index_dir), encoder)
        kb = cls(stored.entries, stored.dense, encoder, stored.thresholds, default_normalizer(), stored.meta)
        check_encoder_dim(encoder, stored.meta.dim, Path(index_dir))
        near = from_record(kb, stored.local, cache) if local else None
        if near is not None:
            kb.thresholds = replace(kb.thresholds, neighbours=near)
        return kb

    def save(self, out_dir: str | Path) -> None:
        save_index(self, Path(out_dir))

    # ---- queries -------------------------------------------------------------------------------
    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def query_vector(self, text: str) -> np.ndarray:
        """Encoder output for a query text; an LRU cache makes repeated questions free."""
        return self._query_vector_async(text).result()

    def _query_vector_async(self, text: str) -> Future:
        """The query vector, encoded in a worker thread unless cached. The engine releases the GIL, so
        the caller scores the lexical channels on the other core meanwhile: one hand-off per query,
        where a second OpenMP thread inside the encoder costs ~90 barriers (see encoders.py)."""
        fut: Future = Future()
        with self._qlock:
            v = self._qcache.get(text)
            if v is not None:
                self._qcache.move_to_end(text)
        if v is not None:
            fut.set_result(v)
            return fut
        fut = _encode_pool().submit(lambda: self.encoder.encode_queries([text])[0])
        fut.add_done_callback(lambda f: f.exception() is None and self._remember(text, f.result()))
        return fut

    def prime_query_vector(self, text: str, v: np.ndarray) -> None:
        """Give the query cache a vector encoded elsewhere (selfcal reuses its own across rebuilds)."""
        self._remember(text, v)

    def _remember(self, text: str, v: np.ndarray) -> None:
        with self._qlock:
            self._qcache[text] = v
            if len(self._qcache) > QUERY_CACHE_SIZE:
                self._qcache.popitem(last=False)

    def channels(self, aq: AnalysedQuery, leave_out: LeaveOut | None = None) -> Channels:
        """Per-entry scores of the three channels over the candidate pool. `leave_out` scores the query
        as if one field (or one whole entry) were not in the corpus: the build-time self-calibration
        (selfcal.py) asks its own alternatives that way."""
        pending = self._query_vector_async(aq.dense_text)
        lex_f, grams_f = self.lex.scores(aq.lex_tokens), self.grams.scores(aq.char_grams)
        if leave_out is not None and leave_out.field is not None:
            lex_f[leave_out.field] = grams_f[leave_out.field] = 0.0
        lex, grams = _per_entry(lex_f, self.offsets), _per_entry(grams_f, self.offsets)
        pool: set[int] = set()
        for ch in (lex, grams):
            k = min(LEX_ENTRIES_K, len(ch))
            if k:
                top = np.argpartition(-ch, k - 1)[:k]
                pool.update(int(i) for i in top if ch[i] > 0)
        q = pending.result()
        fids, _ = self.dense.search(q, DENSE_FIELDS_K)
        pool.update(self.field_entry[fids].tolist())
        if leave_out is not None and leave_out.entry is not None:
            pool.discard(leave_out.entry)
        cand = np.array(sorted(pool), dtype=np.int64)
        uncovered, unknown = self._uncovered(aq.lex_tokens, cand)
        hidden = leave_out.field if leave_out is not None else None
        match, miss = act.features(self.analyzer.lexicon, aq.actions, self.entry_actions[cand])
        return Channels(cand, self._dense_scores(q, cand, hidden), lex[cand], grams[cand], uncovered, unknown,
                        len(aq.lex_tokens), len(self.entries), match, miss, q, aq.small_talk)

    def _dense_scores(self, q: np.ndarray, cand: np.ndarray, hidden: int | None = None) -> np.ndarray:
        """(mean of the BEST_FIELDS best question/alternative cosines + QA_WEIGHT x question+answer
        cosine) / (1 + QA_WEIGHT),
        minus the query's median cosine to the corpus, over DENSE_SCALE: languages and dialects sit at
        different cosine levels in e5, and the offset makes their scores comparable."""
        base = float(np.median(self.baseline_vectors @ q))
        starts, qa_ids = self.offsets[cand], self.qa_field[cand]
        lengths = qa_ids - starts  # question + alternatives of each candidate, contiguous
        fids = np.repeat(starts - np.cumsum(np.concatenate([[0], lengths[:-1]])), lengths) + np.arange(lengths.sum())
        sims = self.dense.rescore(q, fids)
        best = _mean_of_best(sims, lengths, fids != hidden if hidden is not None else None)
        qa = self.dense.rescore(q, qa_ids)
        return ((best + QA_WEIGHT * qa) / (1 + QA_WEIGHT) - base) / DENSE_SCALE

    def _uncovered(self, tokens: list[str], cand: np.ndarray) -> tuple[np.ndarray, float]:
        """IDF-weighted share of the query's words that each candidate entry never uses (words unknown
        to the whole corpus count with the highest weight), and the part of it due to unknown words."""
        known, unknown = self.lex.resolve(tokens)
        total = sum(self.idf[t] for t in known) + unknown * self.max_idf
        if total <= 0:
            return np.zeros(len(cand), np.float32), 0.0
        miss = np.full(len(cand), unknown * self.max_idf, np.float64)
        for t in known:
            miss += self.idf[t] * ~np.isin(cand, self.term_entries[t], assume_unique=True)
        return (miss / total).astype(np.float32), unknown * self.max_idf / total

    def search(self, text: str, top_k: int = 10, context: SearchContext | None = None) -> SearchResult:
        if not isinstance(text, str) or not text.strip():
            raise EmptyQueryError()
        aq = self.analyzer.analyse(text)
        if not self.entries:
            return SearchResult("handoff", [], aq.truncated, 0.0, aq)
        ch = self.channels(aq)
        th = self.thresholds
        fused, (cand, dense, lex) = ch.fused(th), (ch.cand, ch.dense, ch.lex)
        if context and context.previous_category:
            fused = fused + CONTEXT_BOOST * (self.categories[cand] == context.previous_category)
        v = ch.decide(th, fused)
        order, decision = v.order, v.decision
        top = [int(j) for j in order[: max(top_k, 3)]]
        cands = [Candidate(self.entries[cand[j]], float(fused[j]), float(dense[j]), float(lex[j])) for j in top]
        return SearchResult(decision, cands[:top_k] if decision != "clarify" else cands[: max(top_k, 3)],
                            aq.truncated, v.margin, aq, v.gate, v.scope, v.near)
