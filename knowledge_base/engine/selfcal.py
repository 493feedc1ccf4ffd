"""Build-time self-calibration: put a corpus's scores on its own scale, with no labelled queries.

Scores mean different things on different corpora: a corpus of near-twin entries (issue / renew /
cancel the same licence) gives lower leads than one of distinct services, English and Gulf questions
sit lower than MSA in e5, and a corpus written tersely scores lower everywhere. Fitted on one corpus,
fixed thresholds either answer near misses or send real questions to a person on the next one.

So at build time the index asks itself two kinds of questions, drawn from its own alternatives:
- *paraphrases*: an alternative, scored with that alternative left out (the entry keeps its other
  texts), as an in-scope question about that entry;
- *near misses*: the same alternative with its whole entry left out, as the question about a
  neighbouring service that the corpus does not cover (the closest entry is often its twin).
The medians of a few scores over each kind (`Profile`) give the corpus's scale: the decision models
read the best candidate's score as 0 at the near-miss median and 1 at the paraphrase median (gate.py
`z*` features). Questions are sampled (SAMPLE), so a 10k-entry corpus calibrates in seconds; their
query vectors are remembered across live rebuilds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge_base.engine.gate import ALL_FEATURES, PROFILED, gate_input


@dataclass(frozen=True)
class LeaveOut:
    """Score a query as if this field, or this whole entry, were absent (indices into the index): how the
    pseudo-questions above are asked (KnowledgeBase.channels takes it)."""

    field: int | None = None
    entry: int | None = None


SAMPLE = 240          # pseudo-questions per build: medians settle well before (±0.01 between seeds)
MIN_QUESTIONS = 20    # fewer alternatives than this: no profile (the models then see z = 0)
_VECTORS: OrderedDict[str, np.ndarray] = OrderedDict()
_VECTORS_MAX = 4 * SAMPLE
_LOCK = threading.Lock()


@dataclass(frozen=True)
class PseudoQuestion:
    text: str
    entry: int     # index of the entry it paraphrases
    field: int     # index of the field it is (left out as a paraphrase)


def alternative_field(kb: Any, entry: int, j: int) -> int:
    """The index field that holds alternative `j` of entry `entry` (the one LeaveOut(field=...) hides)."""
    return int(kb.offsets[entry]) + 1 + j


def pseudo_questions(kb: Any, sample: int = SAMPLE, seed: int = 0) -> list[PseudoQuestion]:
    """Alternatives only (the question is inside the entry's question+answer field, so it cannot be
    left out alone); at most `sample`, spread over entries, the same for the same corpus."""
    out = [PseudoQuestion(alt, i, alternative_field(kb, i, j))
           for i, e in enumerate(kb.entries) if len(kb.entries) > 1 for j, alt in enumerate(e.alternatives)]
    if len(out) <= sample:
        return out
    keep = np.random.default_rng(seed).choice(len(out), size=sample, replace=False)
    return [out[k] for k in sorted(keep)]


def _vector(kb: Any, text: str) -> np.ndarray:
    key = f"{kb.encoder.name}\0{text}"
    with _LOCK:
        v = _VECTORS.get(key)
    if v is None:
        v = kb.query_vector(text)
        with _LOCK:
            _VECTORS[key] = v
            while len(_VECTORS) > _VECTORS_MAX:
                _VECTORS.popitem(last=False)
    return v


def pseudo_channels(kb: Any, questions: list[PseudoQuestion]) -> tuple[list[Any], list[Any]]:
    """(paraphrase channels, near-miss channels), one each per question."""
    inside, outside = [], []
    for pq in questions:
        aq = kb.analyzer.analyse(pq.text)
        kb.prime_query_vector(aq.dense_text, _vector(kb, aq.dense_text))
        inside.append(kb.channels(aq, LeaveOut(field=pq.field)))
        outside.append(kb.channels(aq, LeaveOut(entry=pq.entry)))
    return inside, outside


def _medians(chs: list[Any], th: Any) -> dict[str, float]:
    cols: dict[str, list[float]] = {name: [] for name in PROFILED.values()}
    for ch in chs:
        if not len(ch.cand):
            continue
        fused = ch.fused(th)
        order = np.argsort(-fused, kind="stable")
        x = gate_input(ch, fused, order).x
        for name in cols:
            cols[name].append(float(x[ALL_FEATURES.index(name)]))
    return {k: round(float(np.median(v)), 5) if v else 0.0 for k, v in cols.items()}


def corpus_profile(kb: Any, sample: int = SAMPLE) -> dict[str, Any] | None:
    """The corpus's scale (see module docstring), or None when it has too few alternatives."""
    questions = pseudo_questions(kb, sample)
    if len(questions) < MIN_QUESTIONS:
        return None
    inside, outside = pseudo_channels(kb, questions)
    return {"questions": len(questions), "inside": _medians(inside, kb.thresholds),
            "outside": _medians(outside, kb.thresholds)}
