"""`python -m knowledge_base build|search|batch|eval|calibrate|cv|recalibrate|local-eval|transfer|tower`
(and `import`/`export` → store_cli)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from knowledge_base.engine.corpus import corpus_hash, load_corpus, published
from knowledge_base.engine.errors import KnowledgeBaseError
from knowledge_base.engine.thresholds import Thresholds, default_thresholds

DEFAULT_CACHE = "var/cache/embeddings.sqlite"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m knowledge_base")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build an index from a corpus file or directory")
    b.add_argument("--corpus", required=True)
    b.add_argument("--out", required=True)
    b.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE),
                   help="embedding cache file ('' disables)")
    b.add_argument("--thresholds", help="JSON thresholds to store instead of the committed defaults")
    b.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    s = sub.add_parser("search", help="search one question")
    s.add_argument("--index", required=True)
    s.add_argument("--json", action="store_true")
    s.add_argument("--top", type=int, default=5)
    s.add_argument("text", nargs="+")
    s.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE),
                   help="embedding cache for a stored labelled-neighbours rule ('' disables)")
    bt = sub.add_parser("batch", help='JSON lines {"q": ...} on stdin → one result line per query')
    bt.add_argument("--index", required=True)
    bt.add_argument("--top", type=int, default=10)
    bt.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE),
                    help="embedding cache for a stored labelled-neighbours rule ('' disables)")
    for name in ("eval", "calibrate", "cv", "recalibrate"):
        e = sub.add_parser(name)
        e.add_argument("--index", required=True)
        e.add_argument("--queries", required=True, nargs="+", help="files or globs")
        e.add_argument("--ood", nargs="+", required=name != "eval", help="files or globs")
        e.add_argument("--misses", type=int, default=0, help="also list N misdecided queries")
        e.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE))
        if name == "recalibrate":
            e.add_argument("--write", action="store_true", help="store the threshold in the index")
        elif name != "eval":
            _fit_options(e, name)
    t = sub.add_parser("transfer", help="fit the decision models on several corpora; report each corpus "
                       "decided by models fitted without it, and the held-back sets")
    t.add_argument("--sets", default="tests/data/sets.yaml")
    t.add_argument("--only", nargs="*", help="set names to use (default: all)")
    t.add_argument("--compare", nargs="*", default=[], help="thresholds JSON files to score the same sets with")
    t.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE))
    t.add_argument("--write-defaults", action="store_true",
                   help="save the fit as knowledge_base/default_thresholds.json")
    t.add_argument("--towers", default="var/towers", help="query towers fitted without each corpus "
                   "(`python -m knowledge_base tower`)")
    le = sub.add_parser("local-eval", help="what an answer threshold set on a deployment's own labelled "
                        "questions buys: half of each set labelled, the other half scored")
    le.add_argument("--sets", default="tests/data/sets.yaml")
    le.add_argument("--only", nargs="*")
    le.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE))
    tw = sub.add_parser("tower", help="fit the query tower on the fit sets (and one per corpus left out)")
    tw.add_argument("--sets", default="tests/data/sets.yaml")
    tw.add_argument("--out", default=None, help="patch file (default var/towers/all.npz)")
    tw.add_argument("--crossfit", default="var/towers", help="folder for the towers fitted without each "
                    "corpus ('' skips them)")
    tw.add_argument("--cache", default=os.environ.get("KB_CACHE", DEFAULT_CACHE))
    return p


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


def cmd_build(a: argparse.Namespace) -> int:
    from knowledge_base.engine.embcache import SqliteEmbeddingCache
    from knowledge_base.engine.encoders import encoder_from_env
    from knowledge_base.engine.errors import IndexMismatchError
    from knowledge_base.engine.indexio import check_manifest, read_manifest
    from knowledge_base.engine.search import KnowledgeBase

    t0 = time.perf_counter()
    entries = load_corpus(a.corpus)
    enc = encoder_from_env()
    try:  # what loading would refuse (missing, format, model, engine numerics, normaliser) is rebuilt
        m = check_manifest(read_manifest(Path(a.out)), Path(a.out), enc)
    except IndexMismatchError:
        m = {}
    if not a.force and not a.thresholds and m and m.get("corpus_hash") == corpus_hash(published(entries)):
        print(f"index in {a.out} is up to date ({m['entries']} entries, model {enc.name}); nothing to do")
        return 0
    th = Thresholds.from_dict(json.loads(Path(a.thresholds).read_text())) if a.thresholds \
        else default_thresholds()
    cache = SqliteEmbeddingCache(a.cache) if a.cache else None
    kb = KnowledgeBase.build(entries, encoder=enc, cache=cache, thresholds=th)
    kb.save(a.out)
    print(f"built {a.out}: {len(kb.entries)} published entries, {len(kb.dense.vectors)} vectors "
          f"({kb.dense.kind}), model {enc.name}, {time.perf_counter() - t0:.1f}s")
    return 0


def _result_json(res: Any, q: str, top: int) -> dict[str, Any]:
    out: dict[str, Any] = {"q": q, "decision": res.decision,
                           "results": [{"id": c.id, "score": round(c.score, 4)} for c in res.candidates[:top]]}
    if res.truncated:
        out["truncated"] = True
    return out


def _load(a: argparse.Namespace) -> Any:
    """The index as served, its stored labelled-neighbours rule included. The rule's labelled questions are
    read from the embedding cache the live service fills, so a recalibrated index loads without re-encoding
    them; the cache is opened only for such an index."""
    from knowledge_base.engine.embcache import SqliteEmbeddingCache
    from knowledge_base.engine.indexio import read_manifest
    from knowledge_base.engine.search import KnowledgeBase

    manifest = read_manifest(Path(a.index)) or {}
    cache = SqliteEmbeddingCache(a.cache) if a.cache and manifest.get("local") else None
    return KnowledgeBase.load(a.index, cache=cache)


def cmd_search(a: argparse.Namespace) -> int:
    kb = _load(a)
    text = " ".join(a.text)
    res = kb.search(text, top_k=a.top)
    if a.json:
        out = _result_json(res, text, a.top)
        for r, c in zip(out["results"], res.candidates, strict=False):
            r.update(question=c.question, category=c.category)
        out["answer"] = res.candidates[0].answer if res.decision == "answer" else None
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"decision: {res.decision}" + (" (query truncated to 1000 characters)" if res.truncated else ""))
    for i, c in enumerate(res.candidates[: a.top], 1):
        print(f"{i}. [{c.score:.3f}] {c.id}: {c.question}")
    if res.decision == "answer":
        print("\n" + res.candidates[0].answer)
    return 0


def cmd_batch(a: argparse.Namespace) -> int:
    kb = _load(a)
    for n, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line).get("q", "")
        except (json.JSONDecodeError, AttributeError):
            print(f"stdin line {n}: not a JSON object with a \"q\" field", file=sys.stderr)
            q = ""
        if not isinstance(q, str) or not q.strip():
            out: dict[str, Any] = {"q": q, "decision": "handoff", "results": [], "error": "empty query"}
        else:
            out = _result_json(kb.search(q, top_k=a.top), q, a.top)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def _scored(a: argparse.Namespace) -> tuple[Any, list[Any]]:
    from knowledge_base.tuning.evaluate import expand, read_jsonl, score_queries

    kb = _load(a)
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
    questions, as an editor's proposal sets them (faqs/local_threshold.propose)."""
    from knowledge_base.engine.indexio import store_thresholds
    from knowledge_base.engine.search import KnowledgeBase
    from knowledge_base.faqs.local_threshold import propose, with_threshold
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
        record = fit.record()
        store_thresholds(Path(a.index), with_threshold(kb.thresholds, fit), record)
        if a.cache and record.get("neighbours"):
            from knowledge_base.engine.embcache import SqliteEmbeddingCache
            from knowledge_base.engine.neighbours import remember

            # as the editor's click does: every later load reads the labelled vectors instead of encoding them
            remember(kb, [*record["neighbours"]["inside"], *record["neighbours"]["outside"]],
                     SqliteEmbeddingCache(a.cache))
    print(json.dumps({**fit.to_dict(), "written": written}, ensure_ascii=False, indent=2))
    return 0


def cmd_local_eval(a: argparse.Namespace) -> int:
    from knowledge_base.tuning.local_eval import run

    print(json.dumps(run(Path(a.sets), a.only, a.cache, default_thresholds()), ensure_ascii=False, indent=2))
    return 0


def cmd_transfer(a: argparse.Namespace) -> int:
    from knowledge_base.tuning.transfer_cli import run

    start = default_thresholds().weights_only()
    out = run(Path(a.sets), a.only, [Path(p) for p in a.compare], a.cache, a.write_defaults, start,
              Path(a.towers) if a.towers else None)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_tower(a: argparse.Namespace) -> int:
    from knowledge_base.tuning.tower_cli import default_out, run

    out = run(Path(a.sets), Path(a.out) if a.out else default_out(), Path(a.crossfit) if a.crossfit else None,
              a.cache)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


COMMANDS = {"transfer": cmd_transfer, "tower": cmd_tower,
            "build": cmd_build, "search": cmd_search, "batch": cmd_batch, "eval": cmd_eval,
            "calibrate": cmd_calibrate, "cv": cmd_cv, "recalibrate": cmd_recalibrate,
            "local-eval": cmd_local_eval}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("import", "export"):
        from knowledge_base.faqs import store_cli  # owned by the content-editing engineer

        return store_cli.main(argv)
    a = _parser().parse_args(argv)
    try:
        return COMMANDS[a.cmd](a)
    except KnowledgeBaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
