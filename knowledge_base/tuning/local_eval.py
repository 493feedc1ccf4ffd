"""`python -m knowledge_base local-eval`: what a deployment's own labelled questions buy (local_threshold.py).

Every corpus is decided by models and a shipped threshold that never saw it (fit corpora: the transfer
fit without that corpus; held-back ones: the committed defaults); sets over one corpus are pooled. Its
questions are split in two halves (in scope and out of scope alike, SEEDS random splits): the first half
plays the questions labelled in use, the second the citizens who come later. Reported on the second half
only: answered right, wrong, out-of-scope answered, with the shipped threshold and with the one set on
the first half.

`as_use_labels` is the product's rule: only what use labels — a question the shipped threshold answered
directly gets no label (no option was picked, no agent saw it), every other one does (the right entry
picked among the options or inserted by an agent; an out-of-scope one marked "not covered" by the agent
it was handed to) — with 1 % of newly answered out-of-scope questions allowed. `every_question_labelled`
is a reference: all of the first half labelled, 2 % allowed (the shipped threshold's own budget, since
its near misses are then seen too).

`stream_then_frozen` (corpora with a `streams:` entry in the sets file): a separate use stream, written
blind by other writers than the frozen set, is labelled as use labels it; the threshold set on it decides
the corpus's whole frozen set (in scope and out of scope), which played no part in setting it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.engine.thresholds import Thresholds
from knowledge_base.faqs.local_threshold import USE_RATE, Evidence, evidence, local_answer_threshold, rates
from knowledge_base.tuning.transfer import Budgets, load_streams, score_set
from knowledge_base.tuning.transfer_cli import Study, _corpus_of, open_study

SEEDS = 40
ALL_RATE = Budgets().ood_answered


def _half(ev: Evidence, keep: np.ndarray) -> Evidence:
    return Evidence(ev.p[keep], ev.ood[keep], ev.good[keep])


def split_halves(ev: Evidence, shipped_t: float, seeds: int = SEEDS, as_use: bool = True) -> dict[str, Any]:
    shipped, local, used = [], [], 0
    labellable = ev.p < shipped_t if as_use else np.ones(len(ev.p), bool)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        first = np.zeros(len(ev.p), bool)
        for group in (ev.ood, ~ev.ood):
            idx = np.flatnonzero(group)
            first[rng.choice(idx, len(idx) // 2, replace=False)] = True
        fit = local_answer_threshold(_half(ev, first & labellable), shipped_t, USE_RATE if as_use else ALL_RATE)
        later = _half(ev, ~first)
        shipped.append(rates(later, shipped_t))
        local.append(rates(later, shipped_t if fit.threshold is None else fit.threshold))
        used += fit.threshold is not None
    s, loc = np.array(shipped), np.array(local)
    return {"shipped_threshold": round(shipped_t, 4), "recalibrated_in": f"{used} of {seeds} splits",
            "shipped": _summary(s), "local": _summary(loc),
            "local_ood_answered_p90": round(float(np.quantile(loc[:, 2], 0.9)), 4)}


def stream_then_frozen(stream: Evidence, frozen: Evidence, shipped_t: float) -> dict[str, Any]:
    used = _half(stream, stream.p < shipped_t)   # what use labels: every question not answered directly
    fit = local_answer_threshold(used, shipped_t, USE_RATE)
    t = shipped_t if fit.threshold is None else fit.threshold
    both = np.array([rates(frozen, shipped_t), rates(frozen, t)])
    return {"labelled": {"in_scope": fit.n_in, "out_of_scope": fit.n_ood}, "reason": fit.reason,
            "shipped_threshold": round(shipped_t, 4), "local_threshold": round(t, 4),
            "frozen_shipped": _summary(both[:1]), "frozen_local": _summary(both[1:])}


def _summary(r: np.ndarray) -> dict[str, float]:
    return {"right": round(float(r[:, 0].mean()), 4), "wrong": round(float(r[:, 1].mean()), 4),
            "ood_answered": round(float(r[:, 2].mean()), 4)}


def set_evidence(study: Study, name: str, th: Thresholds) -> tuple[Evidence, float]:
    """The set's questions on its index under `th`, and the shipped threshold for that corpus's size."""
    es = next(s for s in study.sets if s.name == name)
    th = dataclasses.replace(th, profile=study.profile(es, th.weights_only()))
    gate = th.gate
    assert gate is not None, "transfer fits always carry an answer gate"
    return evidence(study.scored[name], th), gate.threshold_for(len(study.kbs[es.corpus.resolve()].entries))


def _pool(parts: list[tuple[Evidence, float]]) -> tuple[Evidence, float]:
    evs = [e for e, _ in parts]
    return Evidence(*(np.concatenate([getattr(e, f) for e in evs]) for f in ("p", "ood", "good"))), parts[0][1]


def run(sets_file: Path, only: list[str] | None, cache: str, defaults: Thresholds) -> dict[str, Any]:
    study = open_study(sets_file, only, cache)
    fit_names = [s.name for s in study.sets if s.role == "fit"]
    by_corpus: dict[Path, list[str]] = {}
    for es in study.sets:
        by_corpus.setdefault(es.corpus.resolve(), []).append(es.name)
    streams = load_streams(sets_file)
    out: dict[str, Any] = {}
    for corpus, names in by_corpus.items():
        role = next(s.role for s in study.sets if s.name == names[0])
        others = [o for o in fit_names if _corpus_of(study, o) != corpus]
        th = study.fit(others, defaults.weights_only(), Budgets()) if role == "fit" else defaults
        ev, shipped = _pool([set_evidence(study, n, th) for n in names])
        out[" + ".join(names)] = {"role": role, "in_scope": ev.n_in, "out_of_scope": ev.n_ood,
                                  "as_use_labels": split_halves(ev, shipped),
                                  "every_question_labelled": split_halves(ev, shipped, as_use=False)}
        for name in (n for n in names if n in streams):
            study.scored[streams[name].name] = score_set(streams[name], study.kbs[corpus])
            study.sets.append(streams[name])
            stream, _ = set_evidence(study, streams[name].name, th)
            out[" + ".join(names)]["stream_then_frozen"] = stream_then_frozen(stream, ev, shipped)
    return out
