"""`python -m knowledge_base transfer`: fit on the `fit` sets, report held-out corpora and held-back sets,
side by side with other thresholds files (e.g. the previous engine) and plain dense retrieval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.corpus import load_corpus
from knowledge_base.evaluate import metrics
from knowledge_base.thresholds import DEFAULT_PATH, Thresholds, default_thresholds
from knowledge_base.transfer import Budgets, Labelled, fit, held_out_report, label_set, load_sets


def _builder(cache_path: str) -> Any:
    from knowledge_base.embcache import SqliteEmbeddingCache
    from knowledge_base.encoders import encoder_from_env
    from knowledge_base.search import KnowledgeBase
    from knowledge_base.selfcal import corpus_profile

    enc = encoder_from_env()
    cache = SqliteEmbeddingCache(cache_path) if cache_path else None
    built: dict[tuple[Path, str], Any] = {}

    def build(corpus: Path, th: Thresholds) -> Any:
        key = (corpus.resolve(), json.dumps(th.to_dict(), sort_keys=True))
        if key not in built:
            kb = KnowledgeBase.build(load_corpus(corpus), encoder=enc, cache=cache,
                                     thresholds=Thresholds(alpha=th.alpha, beta=th.beta))
            kb.thresholds = th.__class__(**{**th.to_dict(), "profile": corpus_profile(kb)})
            built[key] = kb
        return built[key]

    return enc, build


def plain_dense(kb: Any, scored: list[Any]) -> dict[str, float]:
    """Ranking by the e5 cosine alone (best field of each entry), for comparison."""
    t1 = t3 = rr = n = 0.0
    for s in scored:
        if s.gold is None:
            continue
        v = kb.query_vector(kb.analyzer.analyse(s.q).dense_text)
        per_entry = np.maximum.reduceat(kb.dense.vectors @ v, kb.offsets)
        rank = int((per_entry > per_entry[s.gold]).sum())
        t1, t3, rr, n = t1 + (rank == 0), t3 + (rank < 3), rr + (1 / (1 + rank) if rank < 10 else 0), n + 1
    return {"top1": round(t1 / n, 4), "top3": round(t3 / n, 4), "mrr10": round(rr / n, 4)} if n else {}


def _compare(sets: list[Labelled], files: list[Path], build: Any, es_by_name: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in files:
        th = Thresholds.from_dict(json.loads(f.read_text(encoding="utf-8")))
        res = {}
        for s in sets:
            kb = build(es_by_name[s.name].corpus, Thresholds(alpha=th.alpha, beta=th.beta))
            res[s.name] = metrics(s.scored, Thresholds.from_dict({**th.to_dict(), "profile": kb.thresholds.profile}))
        out[str(f)] = res
    return out


def run(sets_file: Path, only: list[str] | None, compare: list[Path], cache: str, write: bool) -> dict[str, Any]:
    enc, build = _builder(cache)
    sets = [s for s in load_sets(sets_file) if not only or s.name in only]
    weights = Thresholds(alpha=default_thresholds().alpha, beta=default_thresholds().beta)
    labelled = {s.name: label_set(s, build, weights) for s in sets}
    fit_sets = [labelled[s.name] for s in sets if s.role == "fit"]
    back = [labelled[s.name] for s in sets if s.role == "held_back"]
    b = Budgets()
    final = fit(fit_sets, weights, b, enc.name)
    out: dict[str, Any] = {"budgets": b.__dict__, "thresholds": final.to_dict(),
                           "fit_sets_each_decided_without_its_corpus": held_out_report(fit_sets, weights, b, enc.name),
                           "held_back": {s.name: metrics(s.scored, Thresholds.from_dict(
                               {**final.to_dict(), "profile": s.profile})) for s in back}}
    by_name = {s.name: s for s in sets}
    out["plain_dense"] = {s.name: plain_dense(build(by_name[s.name].corpus, weights), s.scored)
                          for s in labelled.values()}
    out["compare"] = _compare(list(labelled.values()), compare, build, by_name)
    if write:
        DEFAULT_PATH.write_text(json.dumps(final.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
