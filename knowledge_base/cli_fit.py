"""`python -m knowledge_base eval|calibrate|cv|recalibrate`: the commands that read labelled questions
against an index (cli.py holds the others), and how every command loads an index as it is served."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from knowledge_base.engine.errors import KnowledgeBaseError

DEFAULT_CACHE = "var/cache/embeddings.sqlite"


def add_cache_option(p: argparse.ArgumentParser, help: str | None = None) -> None:
    """Every command's `--cache`: the embedding cache file, KB_CACHE by default ('' disables)."""
    p.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE), help=help)


def add_parsers(sub: Any) -> None:
    for name in ("eval", "calibrate", "cv", "recalibrate"):
        e = sub.add_parser(name)
        e.add_argument("--index", required=True)
        e.add_argument("--queries", required=True, nargs="+", help="files or globs")
        e.add_argument("--ood", nargs="+", required=name != "eval", help="files or globs")
        e.add_argument("--misses", type=int, default=0, help="also list N misdecided queries")
        add_cache_option(e)
        if name == "recalibrate":
            e.add_argument("--write", action="store_true", help="store the threshold in the index")
        elif name != "eval":
            _fit_options(e, name)


def _fit_options(e: argparse.ArgumentParser, name: str) -> None:
    e.add_argument("--wrong-budget", type=float, default=0.0,
                   help="share of in-scope queries allowed a wrong direct answer (default 0)")
    e.add_argument("--ood-budget", type=float, default=0.0,
                   help="share of out-of-scope queries allowed a direct answer (default 0)")
    # defaults live in calibrate.Budget (not imported here: numpy would slow every command)
    e.add_argument("--oof-wrong-budget", type=float, default=argparse.SUPPRESS,
                   help="answer gate: share of in-scope queries answered wrongly out of fold")
    e.add_argument("--oof-ood-budget", type=float, default=argparse.SUPPRESS,
                   help="answer gate: share of out-of-scope queries answered out of fold")
    e.add_argument("--no-gate", action="store_true", help="fit the score/margin rule only")
    if name == "cv":
        e.add_argument("--folds", type=int, default=7, help="category folds (default 7)")
    if name == "calibrate":
        e.add_argument("--write-defaults", action="store_true",
                       help="also save the fit as knowledge_base/default_thresholds.json")


def load_served(index: str, cache_path: str) -> Any:
    """The index as served, its stored labelled-neighbours rule included. The rule's labelled questions are
    read from the embedding cache the live service fills, so a recalibrated index loads without re-encoding
    them; the cache is opened only for such an index."""
    from knowledge_base.engine.embcache import SqliteEmbeddingCache
    from knowledge_base.engine.indexio import read_manifest
    from knowledge_base.engine.search import KnowledgeBase

    manifest = read_manifest(Path(index)) or {}
    cache = SqliteEmbeddingCache(cache_path) if cache_path and manifest.get("local") else None
    return KnowledgeBase.load(index, cache=cache)


def _scored(a: argparse.Namespace) -> tuple[Any, list[Any]]:
    from knowledge_base.tuning.evaluate import expand, read_jsonl, score_queries

    kb = load_served(a.index, a.cache)
    queries = read_jsonl(expand(a.queries))
    known = {e.id for e in kb.entries}
    skipped = sum(1 for r in queries if r.get("id") not in known)
    if skipped:
        print(f"warning: {skipped} in-scope queries name an entry id the index does not serve; "
              "they are left out of the metrics", file=sys.stderr)
    return kb, score_queries(kb, queries, read_jsonl(expand(a.ood)))


def cmd_eval(a: argparse.Namespace) -> int:
    from knowledge_base.tuning.evaluate import metrics, misses

    kb, scored = _scored(a)
    out = metrics(scored, kb.thresholds)
    out["thresholds"] = kb.thresholds.to_dict()
    if a.misses:
        out["misses"] = misses(scored, kb, kb.thresholds, a.misses)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def _budget(a: argparse.Namespace) -> Any:
    from knowledge_base.tuning.calibrate import Budget

    oof = {k: getattr(a, k) for k in ("oof_wrong_budget", "oof_ood_budget") if hasattr(a, k)}
    return Budget(wrong_budget=a.wrong_budget, ood_budget=a.ood_budget, gate=not a.no_gate, **oof)


def _smaller(a: argparse.Namespace, kb: Any, scored: list[Any]) -> list[Any]:
    """Smaller corpora cut from the index, for the answer gate's threshold per corpus size."""
    from knowledge_base.tuning.resample import smaller_corpora

    return [] if a.no_gate else smaller_corpora(kb, scored)


def cmd_cv(a: argparse.Namespace) -> int:
    from knowledge_base.tuning.crossval import crossval

    kb, scored = _scored(a)
    out = crossval(scored, [e.category for e in kb.entries], _budget(a), a.folds, smaller=_smaller(a, kb, scored))
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_calibrate(a: argparse.Namespace) -> int:
    from dataclasses import replace

    from knowledge_base.engine.encoders import numerics_of
    from knowledge_base.engine.indexio import store_thresholds
    from knowledge_base.tuning.calibrate import calibrate
    from knowledge_base.tuning.evaluate import metrics

    kb, scored = _scored(a)
    label = ", ".join(Path(p).name for p in [*a.queries, *a.ood])
    th = calibrate(scored, _budget(a), label=label, smaller=_smaller(a, kb, scored))
    th = replace(th, encoder=kb.encoder.name, numerics=numerics_of(kb.encoder))
    store_thresholds(Path(a.index), th)
    if a.write_defaults:
        from knowledge_base.engine.thresholds import write_defaults

        write_defaults(th)
    print(json.dumps({"thresholds": th.to_dict(), "metrics_on_calibration_set": metrics(scored, th)},
                     ensure_ascii=False, indent=2))
    return 0


def cmd_recalibrate(a: argparse.Namespace) -> int:
    """The index's answer and scope thresholds and labelled-neighbours rule set on its own labelled
    questions, as an editor's proposal sets them (faqs/local_proposal.propose)."""
    from knowledge_base.engine.indexio import store_thresholds
    from knowledge_base.engine.search import KnowledgeBase
    from knowledge_base.faqs.local_proposal import propose
    from knowledge_base.faqs.local_threshold import with_threshold
    from knowledge_base.tuning.evaluate import expand, read_jsonl

    kb = KnowledgeBase.load(a.index, local=False)  # an earlier rule must not decide the labels
    gate, scope, n = kb.thresholds.gate, kb.thresholds.scope, len(kb.entries)
    if gate is None:
        raise KnowledgeBaseError(f"the index in {a.index} has no answer gate to recalibrate")
    inside = [(str(r.get("q", "")), str(r.get("id"))) for r in read_jsonl(expand(a.queries))]
    outside = [str(r.get("q", "")) for r in read_jsonl(expand(a.ood))]
    skipped = sum(1 for _, i in inside if kb.get(i) is None)
    if skipped:
        print(f"warning: {skipped} in-scope queries name an entry id the index does not serve; left out",
              file=sys.stderr)
    fit = propose(kb, gate.threshold_for(n), inside, outside, scope.threshold_for(n) if scope is not None else None)
    written = bool(a.write and fit.threshold is not None)
    if written:
        store_thresholds(Path(a.index), with_threshold(kb.thresholds, fit), fit.record())
        if a.cache and any(fit.labels):  # the record keeps labels only when the neighbours rule is on
            from knowledge_base.engine.embcache import SqliteEmbeddingCache
            from knowledge_base.engine.neighbours import remember

            # as the editor's click does: every later load reads the labelled vectors instead of encoding them
            remember(kb, [*fit.labels[0], *fit.labels[1]], SqliteEmbeddingCache(a.cache))
    print(json.dumps({**fit.to_dict(), "written": written}, ensure_ascii=False, indent=2))
    return 0


COMMANDS = {"eval": cmd_eval, "calibrate": cmd_calibrate, "cv": cmd_cv, "recalibrate": cmd_recalibrate}
