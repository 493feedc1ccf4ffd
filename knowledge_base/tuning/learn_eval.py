"""Measure the learning loop: `python -m knowledge_base.tuning.learn_eval [--only traffic health] [--seed 0]`.

For each labelled set (tests/data/sets.yaml) the in-scope questions are split at random into two
disjoint streams. Stream A is replayed through the bot as simulated citizens would live it: on "هل
تقصد" with the right entry among the options the citizen picks it; when the bot hands off, answers
wrongly (👎 then a person) or offers only wrong options, an agent answers with the right entry. Those
picks become suggestions exactly as in production (learning.suggestions), an editor accepts every one,
and the index is rebuilt (its self-calibration included). Stream B, never replayed, is then scored
before and after, together with the set's out-of-scope questions (learning must not make the bot
answer more of them).

`--streams` instead replays each corpus's use stream (sets.yaml `streams:`, written blind apart from the
frozen set) and scores the corpus's whole frozen set (`--swap`: the other way round, the frozen set lived
and the stream scored, a check on sets no rule was chosen on; `--pooled K`: both pooled in K folds, each
scored after living the other K-1, i.e. more use than one stream): before, after accepting every suggestion, with the
answer and scope thresholds the stream's labels support (local_proposal.propose: the agents mark the
stream's out-of-scope questions the bot did not answer as "not covered"), with both (also with the
answer threshold alone, as before stop 28), and with both and the labelled-neighbours rule the same labels
support (`with_neighbours`: engine/neighbours.py, as an editor applies it since stop 29). `--imported`:
the lived questions are not replayed but imported as an editor imports a labelled file before go-live
(faqs/labels_import.py): every in-scope question with its entry, every out-of-scope one "not covered".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from pathlib import Path
from typing import Any

from knowledge_base.engine.corpus import load_corpus
from knowledge_base.engine.embcache import MemoryEmbeddingCache
from knowledge_base.engine.neighbours import from_record, remember
from knowledge_base.faqs.learning import Evidence, known_texts, suggestions
from knowledge_base.faqs.local_proposal import propose
from knowledge_base.faqs.local_threshold import with_threshold
from knowledge_base.tuning.evaluate import metrics, read_jsonl, score_queries
from knowledge_base.tuning.transfer import load_sets, load_streams


def replay(kb: Any, stream: list[dict[str, Any]]) -> list[Evidence]:
    """What simulated citizens and agents confirm while stream A is served."""
    out = []
    for n, row in enumerate(stream):
        res = kb.search(row["q"])
        ids = [c.id for c in res.options]
        if res.decision == "answer" and ids[:1] == [row["id"]]:
            continue  # answered right: nothing new to learn
        source = "citizen" if res.decision == "clarify" and row["id"] in ids else "agent"
        out.append(Evidence("pick", row["id"], row["q"], source, f"sim-{n}" if source == "citizen" else "agent-sim",
                            f"sim-{n}", f"{n:08d}"))
    return out


def imported(stream: list[dict[str, Any]]) -> list[Evidence]:
    """Every question of the stream as an imported label: what a file of already-labelled questions gives."""
    return [Evidence("pick", row["id"], row["q"], "import", "editor", "import", f"{n:08d}")
            for n, row in enumerate(stream)]


def accept_all(entries: list[Any], found: list[Any]) -> list[Any]:
    extra: dict[str, list[str]] = {}
    for s in found:
        extra.setdefault(s.entry_id, []).append(s.text)
    return [dataclasses.replace(e, alternatives=(*e.alternatives, *extra.get(e.id, []))) for e in entries]


# The figures of a decided set that are shares of its questions, so a mean over folds means something
# (not the counts, nor the weakest style's name).
SHARES = ("answered_right", "handed_off", "self_service", "wrong", "ood_answered", "ood_options", "top1")


def _figures(m: dict[str, Any]) -> dict[str, float]:
    n = max(m["in_scope"], 1)
    return {"answered_right": round(m["decisions"]["answer"] / n - m["wrong_answer_rate"], 4),
            "handed_off": round(m["decisions"]["handoff"] / n, 4), "self_service": m["self_service"],
            "wrong": m["wrong_answer_rate"], "ood_answered": m["ood_answered_rate"],
            "ood_options": m["ood_clarify_rate"], "in_scope": m["in_scope"], "top1": m["top1"],
            "worst_style": min(((v["self_service"], k) for k, v in m.get("per_style", {}).items()), default=None)}


def run_set(es: Any, build: Any, seed: int) -> dict[str, Any]:
    entries = load_corpus(es.corpus)
    rows = read_jsonl(es.queries)
    random.Random(seed).shuffle(rows)
    a, b = rows[: len(rows) // 2], rows[len(rows) // 2:]
    ood = read_jsonl(es.ood)
    kb = build(entries)
    before = metrics(score_queries(kb, b, ood), kb.thresholds)
    found = suggestions(replay(kb, a), known_texts(entries), set())
    kb2 = build(accept_all(entries, found))
    after = metrics(score_queries(kb2, b, ood), kb2.thresholds)
    return {"stream_a": len(a), "stream_b": len(b), "suggestions_accepted": len(found),
            "before": _figures(before), "after": _figures(after)}


def _local(kb: Any, inside: list[tuple[str, str]], outside: list[str]) -> tuple[Any, Any, Any, dict[str, Any]]:
    """The thresholds `kb` serves with the answer and scope thresholds its labelled questions support,
    with the answer threshold alone (stop 27's loop), and with both and the labelled-neighbours rule
    (engine/neighbours.py), applied as the editor's click applies it (the labels' vectors shared through a
    cache, not encoded again) and attached as live.py attaches it."""
    n, scope = len(kb.entries), kb.thresholds.scope
    fit = propose(kb, kb.thresholds.gate.threshold_for(n), inside, outside,
                  scope.threshold_for(n) if scope is not None else None)
    answer_only = dataclasses.replace(fit, scope_threshold=None)
    notes = {k: getattr(fit, k) for k in ("threshold", "scope_threshold", "scope_shipped", "in_scope_told",
                                          "out_of_scope_told", "near_threshold", "near_margin", "right_at_near",
                                          "near_outside", "in_scope_told_near", "out_of_scope_told_near")}
    both = with_threshold(kb.thresholds, fit)
    cache = MemoryEmbeddingCache()
    remember(kb, [*fit.labels[0], *fit.labels[1]], cache)
    near = from_record(kb, fit.record(), cache)
    return (both, with_threshold(kb.thresholds, answer_only), dataclasses.replace(both, neighbours=near),
            {**notes, "labelled_in": fit.n_in, "labelled_out": fit.n_ood})


def run_stream(es: Any, stream: Any, build: Any, share: float = 1.0, seed: int = 0,
               labelled_file: bool = False) -> dict[str, Any]:
    """`stream`: the corpus's use stream (transfer.load_streams), lived; `es`: the frozen set, scored.
    `share` < 1: only that share of the stream's questions (in and out of scope alike, drawn at random with
    `seed`: the files are written entry by entry and kind by kind) was lived: how the loop grows with use."""
    rows, ood_rows = read_jsonl(stream.queries), read_jsonl(stream.ood)
    if share < 1:
        rows, ood_rows = (random.Random(seed).sample(r, round(len(r) * share)) for r in (rows, ood_rows))
    return run_lived(load_corpus(es.corpus), rows, ood_rows, read_jsonl(es.queries), read_jsonl(es.ood), build,
                     labelled_file)


def pooled_folds(first: list[Any], second: list[Any], k: int, seed: int) -> list[tuple[list[Any], list[Any]]]:
    """(lived, scored) for each of `k` folds of the two sets pooled and shuffled: every question is scored
    once, by an index that lived the other k-1 folds."""
    pool = [*first, *second]
    random.Random(seed).shuffle(pool)
    folds = [pool[i::k] for i in range(k)]
    return [([r for j, f in enumerate(folds) if j != i for r in f], folds[i]) for i in range(k)]


def run_pooled(es: Any, stream: Any, build: Any, k: int, seed: int = 0, labelled_file: bool = False) -> dict[str, Any]:
    """More use than one stream: the stream and the frozen set pooled (in and out of scope apart), each
    fold scored after the other folds were lived (about (k-1)/k of both, against one stream)."""
    entries = load_corpus(es.corpus)
    inside = pooled_folds(read_jsonl(stream.queries), read_jsonl(es.queries), k, seed)
    outside = pooled_folds(read_jsonl(stream.ood), read_jsonl(es.ood), k, seed)
    runs = [run_lived(entries, q_lived, o_lived, q_scored, o_scored, build, labelled_file)
            for (q_lived, q_scored), (o_lived, o_scored) in zip(inside, outside, strict=True)]
    mean = {row: {key: round(sum(r[row][key] for r in runs) / k, 4) for key in SHARES}
            for row in runs[0] if isinstance(runs[0][row], dict) and "answered_right" in runs[0][row]}
    return {"folds": k, "lived_per_fold": [r["stream"] for r in runs], "mean": mean, "runs": runs}


def run_lived(entries: list[Any], rows: list[dict[str, Any]], ood_rows: list[dict[str, Any]],
              frozen_q: list[dict[str, Any]], frozen_ood: list[dict[str, Any]], build: Any,
              labelled_file: bool = False) -> dict[str, Any]:
    """`rows`, `ood_rows` lived (replayed, labelled, their suggestions accepted; `labelled_file`: imported,
    every one labelled); `frozen_q`, `frozen_ood` scored. Each index is built and the scored questions
    asked of it once: its channel scores do not depend on the thresholds it is then decided under."""
    kb = build(entries)
    evidence = imported(rows) if labelled_file else replay(kb, rows)
    inside = [(e.text, e.entry_id) for e in evidence]
    outside = [r["q"] for r in ood_rows if labelled_file or kb.search(r["q"]).decision != "answer"]
    found = suggestions(evidence, known_texts(entries), set())
    widened = build(accept_all(entries, found))
    notes: dict[str, Any] = {}
    local, _, _, notes["threshold"] = _local(kb, inside, outside)
    local_widened, answer_only, near, notes["both"] = _local(widened, inside, outside)
    asked = score_queries(kb, frozen_q, frozen_ood)
    asked_widened = score_queries(widened, frozen_q, frozen_ood)
    decided = {"before": (asked, kb.thresholds), "alternatives": (asked_widened, widened.thresholds),
               "threshold": (asked, local), "both_answer_threshold_only": (asked_widened, answer_only),
               "both": (asked_widened, local_widened), "with_neighbours": (asked_widened, near)}
    out: dict[str, Any] = {"stream": len(rows), "stream_ood": len(ood_rows), "suggestions_accepted": len(found),
                           "local": notes}
    for name, (scored, th) in decided.items():
        out[name] = _figures(metrics(scored, th))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m knowledge_base.tuning.learn_eval")
    p.add_argument("--sets", default="tests/data/sets.yaml")
    p.add_argument("--only", nargs="*", default=["traffic", "health"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--streams", action="store_true", help="replay each corpus's use stream, score its frozen set")
    p.add_argument("--share", type=float, default=1.0, help="with --streams: replay only this share of it")
    p.add_argument("--swap", action="store_true", help="with --streams: replay the frozen set, score the stream")
    p.add_argument("--pooled", type=int, default=0, metavar="K", help="with --streams: the stream and the frozen "
                   "set pooled in K folds, each scored after living the others (more use than one stream)")
    p.add_argument("--imported", action="store_true", help="with --streams: the lived questions imported as a "
                   "labelled file (every one labelled) instead of replayed through the bot")
    a = p.parse_args(argv)
    if not 0 < a.share <= 1:
        p.error("--share must be in (0, 1]")
    if a.pooled == 1 or a.pooled < 0:
        p.error("--pooled needs at least 2 folds")
    if a.pooled and (a.swap or a.share < 1):
        p.error("--pooled lives both sets in folds: it takes neither --swap nor --share")
    if (a.pooled or a.swap or a.share < 1 or a.imported) and not a.streams:
        p.error("--pooled, --swap, --share and --imported need --streams")
    from knowledge_base.engine.encoders import encoder_from_env
    from knowledge_base.engine.search import KnowledgeBase

    enc = encoder_from_env()

    def build(entries: list[Any]) -> Any:
        return KnowledgeBase.build(entries, encoder=enc)

    streams = load_streams(Path(a.sets)) if a.streams else {}
    chosen = [es for es in load_sets(Path(a.sets)) if es.name in a.only and (not a.streams or es.name in streams)]

    def one(es: Any) -> dict[str, Any]:
        if not a.streams:
            return run_set(es, build, a.seed)
        if a.pooled:
            return run_pooled(es, streams[es.name], build, a.pooled, a.seed, a.imported)
        used, scored = (es, streams[es.name]) if a.swap else (streams[es.name], es)
        return run_stream(scored, used, build, a.share, a.seed, a.imported)

    out = {es.name: one(es) for es in chosen}
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
