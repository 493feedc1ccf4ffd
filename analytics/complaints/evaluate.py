"""Scoring the runtime classifier (the same path `classify` takes) on a labelled set."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from analytics.complaints.classifier import ComplaintClassifier
from analytics.complaints.features import DEV_FILE, TRAIN_FILE
from analytics.complaints.labels import load_examples
from analytics.complaints.metrics import by_style, scores

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT_FILE = ROOT / "tests" / "data" / "blind" / "complaints" / "holdout.jsonl"
NAMED_SETS = {"train": TRAIN_FILE, "dev": DEV_FILE, "holdout": HOLDOUT_FILE}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def evaluate(clf: ComplaintClassifier, path: Path) -> dict[str, Any]:
    examples = load_examples(path)
    start = time.perf_counter()
    results = clf.classify([ex.text for ex in examples])
    elapsed = time.perf_counter() - start
    gold = [(ex.is_complaint, ex.reason) for ex in examples]
    pred = [(r.is_complaint, r.reason) for r in results]
    out = {"set": str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path), "sha256": sha256_of(path),
           "encoder": clf.model.encoder, "params": clf.model.params.__dict__, **scores(gold, pred),
           "by_style": by_style(examples, pred), "ms_per_text": round(1000 * elapsed / max(1, len(examples)), 2)}
    return out
