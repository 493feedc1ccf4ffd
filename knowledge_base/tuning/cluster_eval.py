"""Cluster purity of the unanswered list on a labelled set (tests/data/unanswered_labelled.yaml).

    python -m knowledge_base.tuning.cluster_eval [--data FILE] [--threshold 0.86]

"before": every text is clustered, as the list did before requests for a person and small talk were kept
out; "after": only texts ``unanswered.wants_an_faq`` keeps. Purity = records in their cluster's majority
label / records clustered; question_purity = the same over the real questions only (a person request in a
cluster of pet questions costs the pet questions); titles_right = clusters (of 2 or more) whose title has
the majority label; top_title = the label of the biggest cluster's title (what "create FAQ" drafts first);
dropped = real questions the filter wrongly kept out (must stay 0); leaked = person/small-talk texts listed.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.faqs.clusters import DEFAULT_THRESHOLD, cluster_records
from knowledge_base.faqs.unanswered import UnansweredRecord, wants_an_faq

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "unanswered_labelled.yaml"
NO_FAQ = {"person", "chitchat"}


def load(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(str(text), str(label)) for label, texts in data.items() for text in texts]


def score(pairs: list[tuple[str, str]], encoder: Any, threshold: float) -> dict[str, Any]:
    records = [UnansweredRecord(f"1-{i}", text, "low_confidence", "", (), "2026-12-01T00:00:00Z")
               for i, (text, _) in enumerate(pairs)]
    label = {r.id: lab for r, (_, lab) in zip(records, pairs, strict=True)}
    clusters = cluster_records(records, encoder, threshold=threshold) if records else []
    text_label = dict(pairs)
    majority = q_majority = titled = multi = 0
    for c in clusters:
        labels = [label[i] for i in c.record_ids]
        top, n = Counter(labels).most_common(1)[0]
        majority += n
        questions = [lab for lab in labels if lab not in NO_FAQ]
        q_majority += Counter(questions).most_common(1)[0][1] if questions else 0
        if c.count >= 2:
            multi += 1
            titled += text_label[c.question] == top
    n_questions = sum(1 for _, lab in pairs if lab not in NO_FAQ)
    return {"records": len(records), "clusters": len(clusters), "purity": round(majority / max(1, len(records)), 3),
            "question_purity": round(q_majority / max(1, n_questions), 3), "titles_right": f"{titled}/{multi}",
            "top_title": text_label[clusters[0].question] if clusters else None,
            "leaked": sum(1 for _, lab in pairs if lab in NO_FAQ)}


def evaluate(pairs: list[tuple[str, str]], encoder: Any, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    kept = [(t, lab) for t, lab in pairs if wants_an_faq(t)]
    after = score(kept, encoder, threshold)
    after["dropped"] = sum(1 for t, lab in pairs if lab not in NO_FAQ and not wants_an_faq(t))
    return {"before": score(pairs, encoder, threshold), "after": after}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = ap.parse_args(argv)
    from knowledge_base.engine.encoders import encoder_from_env

    print(json.dumps(evaluate(load(args.data), encoder_from_env(), args.threshold), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
