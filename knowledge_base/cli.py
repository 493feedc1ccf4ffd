"""`python -m knowledge_base build|search|batch|eval|calibrate|cv|recalibrate|local-eval|transfer|tower`
(and `import`/`export` → store_cli)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from knowledge_base.cli_fit import COMMANDS as FIT_COMMANDS
from knowledge_base.cli_fit import add_cache_option, add_parsers, load_served
from knowledge_base.engine.corpus import corpus_hash, load_corpus, published
from knowledge_base.engine.errors import KnowledgeBaseError
from knowledge_base.engine.thresholds import Thresholds, default_thresholds


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m knowledge_base")
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build an index from a corpus file or directory")
    b.add_argument("--corpus", required=True)
    b.add_argument("--out", required=True)
    add_cache_option(b, "embedding cache file ('' disables)")
    b.add_argument("--thresholds", help="JSON thresholds to store instead of the committed defaults")
    b.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    s = sub.add_parser("search", help="search one question")
    s.add_argument("--index", required=True)
    s.add_argument("--json", action="store_true")
    s.add_argument("--top", type=int, default=5)
    s.add_argument("text", nargs="+")
    add_cache_option(s, "embedding cache for a stored labelled-neighbours rule ('' disables)")
    bt = sub.add_parser("batch", help='JSON lines {"q": ...} on stdin → one result line per query')
    bt.add_argument("--index", required=True)
    bt.add_argument("--top", type=int, default=10)
    add_cache_option(bt, "embedding cache for a stored labelled-neighbours rule ('' disables)")
    add_parsers(sub)
    t = sub.add_parser("transfer", help="fit the decision models on several corpora; report each corpus "
                       "decided by models fitted without it, and the held-back sets")
    t.add_argument("--sets", default="tests/data/sets.yaml")
    t.add_argument("--only", nargs="*", help="set names to use (default: all)")
    t.add_argument("--compare", nargs="*", default=[], help="thresholds JSON files to score the same sets with")
    add_cache_option(t)
    t.add_argument("--write-defaults", action="store_true",
                   help="save the fit as knowledge_base/default_thresholds.json")
    t.add_argument("--towers", default="var/towers", help="query towers fitted without each corpus "
                   "(`python -m knowledge_base tower`)")
    le = sub.add_parser("local-eval", help="what an answer threshold set on a deployment's own labelled "
                        "questions buys: half of each set labelled, the other half scored")
    le.add_argument("--sets", default="tests/data/sets.yaml")
    le.add_argument("--only", nargs="*")
    add_cache_option(le)
    tw = sub.add_parser("tower", help="fit the query tower on the fit sets (and one per corpus left out)")
    tw.add_argument("--sets", default="tests/data/sets.yaml")
    tw.add_argument("--out", default=None, help="patch file (default var/towers/all.npz)")
    tw.add_argument("--crossfit", default="var/towers", help="folder for the towers fitted without each "
                    "corpus ('' skips them)")
    add_cache_option(tw)
    return p


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


def cmd_search(a: argparse.Namespace) -> int:
    kb = load_served(a.index, a.cache)
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
    kb = load_served(a.index, a.cache)
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
            "build": cmd_build, "search": cmd_search, "batch": cmd_batch, "local-eval": cmd_local_eval,
            **FIT_COMMANDS}


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
