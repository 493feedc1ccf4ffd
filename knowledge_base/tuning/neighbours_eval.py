"""Measure "answer from labelled neighbours" (not served yet; docs/knowledge-base.md, stop 28):
`python -m knowledge_base.tuning.neighbours_eval [--only health traffic]`.

After one use stream (learn_eval.run_stream: replayed, every suggestion accepted, the local thresholds
proposed), a question the local answer threshold would not answer is answered when the gate's confidence
is >= t and its nearest labelled in-scope question (query-to-query cosine) is at least m closer than its
nearest "not covered" one. t and m are chosen on the corpus's own stream, leave-one-out, as the largest gain
in right answers that keeps newly answered out-of-scope questions within the threshold rule's k and wrong
answers <= 1 %; the frozen set is then scored with the stream's labels.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.engine.corpus import load_corpus
from knowledge_base.faqs.learning import known_texts, suggestions
from knowledge_base.faqs.local_threshold import WRONG_RATE, Asked, _left_out, allowed_out_of_scope, evidence
from knowledge_base.tuning.evaluate import read_jsonl, score_queries
from knowledge_base.tuning.learn_eval import _local, accept_all, replay
from knowledge_base.tuning.transfer import load_sets, load_streams

TS = (0.95, 0.93, 0.9, 0.85, 0.8, 0.75, 0.7)
MS = (0.05, 0.03, 0.02, 0.01, 0.0)


@dataclass(frozen=True)
class Asked2:
    """Questions as the rule sees them: gate confidence, out of scope, top entry right, and the lead of the
    nearest labelled in-scope question over the nearest "not covered" one."""

    p: np.ndarray
    ood: np.ndarray
    good: np.ndarray
    lead: np.ndarray

    def answered(self, base: np.ndarray, t: float, m: float) -> np.ndarray:
        return base | ((self.p >= t) & (self.lead >= m))

    def shares(self, a: np.ndarray) -> dict[str, float]:
        n_in, n_ood = max(int((~self.ood).sum()), 1), max(int(self.ood.sum()), 1)
        return {"right": round(float((a & self.good).sum() / n_in), 4),
                "wrong": round(float((a & ~self.ood & ~self.good).sum() / n_in), 4),
                "ood_answered": round(float((a & self.ood).sum() / n_ood), 4)}


def _vectors(kb: Any, texts: list[str]) -> np.ndarray:
    return np.stack([kb.query_vector(kb.analyzer.analyse(t).dense_text) for t in texts])


def _lead(v: np.ndarray, v_in: np.ndarray, v_out: np.ndarray, own: tuple[int, int] | None = None) -> np.ndarray:
    """Nearest in-scope minus nearest out-of-scope cosine; `own`: the rows of `v` that are the labels
    themselves (in-scope first, then out of scope), each compared without itself."""
    s_in, s_out = v @ v_in.T, v @ v_out.T
    if own is not None:
        n_in, n_out = own
        s_in[np.arange(n_in), np.arange(n_in)] = -1.0
        s_out[n_in + np.arange(n_out), np.arange(n_out)] = -1.0
    lead: np.ndarray = s_in.max(1) - s_out.max(1)
    return lead


def choose(stream: Asked2, base: np.ndarray, k: int) -> tuple[float, float] | None:
    """The (t, m) with the most right answers on the labelled stream within its budgets; None: no gain."""
    n_in = int((~stream.ood).sum())
    best, right = None, int((base & stream.good).sum())
    for t in TS:
        for m in MS:
            a = stream.answered(base, t, m)
            ok = (a & stream.ood).sum() <= k and (a & ~stream.ood & ~stream.good).sum() <= WRONG_RATE * n_in
            if ok and (a & stream.good).sum() > right:
                best, right = (t, m), int((a & stream.good).sum())
    return best


def _stream_side(widened: Any, th: Any, inside: list[tuple[str, int]], outside: list[str]) -> Asked2:
    """The labelled stream as the rule sees it, each question without itself (and accepted alternatives
    left out, as the threshold proposal asks them)."""
    asked = [Asked(widened.channels(widened.analyzer.analyse(q), _left_out(widened, q, g)), g) for q, g in inside]
    asked += [Asked(widened.channels(widened.analyzer.analyse(q)), None) for q in outside]
    ev = evidence(asked, th)
    v_in, v_out = _vectors(widened, [q for q, _ in inside]), _vectors(widened, outside)
    return Asked2(ev.p, ev.ood, ev.good, _lead(np.vstack([v_in, v_out]), v_in, v_out, own=(len(inside), len(outside))))


def run(es: Any, stream: Any, build: Any) -> dict[str, Any]:
    entries, rows = load_corpus(es.corpus), read_jsonl(stream.queries)
    kb = build(entries)
    labels = replay(kb, rows)
    outside = [r["q"] for r in read_jsonl(stream.ood) if kb.search(r["q"]).decision != "answer"]
    widened = build(accept_all(entries, suggestions(labels, known_texts(entries), set())))
    th, _, notes = _local(widened, [(e.text, e.entry_id) for e in labels], outside)
    index = {e.id: i for i, e in enumerate(widened.entries)}
    inside = [(e.text, index[e.entry_id]) for e in labels if e.entry_id in index]
    t_local = notes["threshold"] if notes["threshold"] is not None else th.gate.threshold_for(len(widened.entries))
    on_stream = _stream_side(widened, th, inside, outside)
    picked = choose(on_stream, on_stream.p >= t_local, allowed_out_of_scope(int(on_stream.ood.sum())))
    frozen_q, frozen_ood = read_jsonl(es.queries), read_jsonl(es.ood)
    fev = evidence(score_queries(widened, frozen_q, frozen_ood), th)
    v_in, v_out = _vectors(widened, [q for q, _ in inside]), _vectors(widened, outside)
    frozen = Asked2(fev.p, fev.ood, fev.good,
                    _lead(_vectors(widened, [r["q"] for r in frozen_q + frozen_ood]), v_in, v_out))
    base = fev.p >= t_local
    out: dict[str, Any] = {"labelled": [len(inside), len(outside)], "answer_threshold": round(t_local, 4),
                           "frozen_local_threshold": frozen.shares(base)}
    if picked is not None:
        out["t"], out["m"] = picked
        out["frozen_with_neighbours"] = frozen.shares(frozen.answered(base, *picked))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m knowledge_base.tuning.neighbours_eval")
    p.add_argument("--sets", default="tests/data/sets.yaml")
    p.add_argument("--only", nargs="*", default=["health", "traffic", "justice", "commerce", "education"])
    a = p.parse_args(argv)
    from knowledge_base.engine.encoders import encoder_from_env
    from knowledge_base.engine.search import KnowledgeBase

    enc = encoder_from_env()
    streams = load_streams(Path(a.sets))
    out = {es.name: run(es, streams[es.name], lambda e: KnowledgeBase.build(e, encoder=enc))
           for es in load_sets(Path(a.sets)) if es.name in a.only and es.name in streams}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
