"""Answering from labelled neighbours: what a deployment's own use says about one question's region.

The answer gate judges a question by the scores of its candidate entries; on a stranger's corpus a
one-noun near miss ("withdraw a complaint" where only filing one is covered) scores like a paraphrase,
so the gate's threshold sits high and most right answers arrive as a menu. Once citizens and agents have
labelled questions (an option picked, an FAQ sent after a handoff: in scope; "not covered by the FAQ":
out of scope), a question the threshold would not answer is answered when the gate is still fairly
confident (>= `t`) and the question itself lies nearer to a labelled in-scope question than to any
labelled "not covered" one, by at least `m` (query-to-query cosine), that labelled question being close
to it in its own right (>= `floor`): near misses come back in the same words, so their region of the
space is marked, and a question far from every label is left to the thresholds. The other way round, a
question the bot would answer with a menu is told plainly "not something we handle here" (with a person
offered) when it lies nearer to a "not covered" question than to any in-scope one by at least `m_out`.
The margins are chosen on the labels, leave-one-out (faqs/local_neighbours.py), and an editor applies
them with the answer threshold; the floor is one constant, chosen on the fit corpora.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge_base.engine.embcache import EmbeddingCache, encode_queries_cached, query_model, text_key

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Neighbours:
    t: float | None        # the answer gate's confidence needed (None: the rule does not answer)
    m: float | None        # the lead of the nearest labelled in-scope question over the nearest out-of-scope one
    inside: np.ndarray     # (n, dim) vectors of the labelled in-scope questions, as searched (dense_text)
    outside: np.ndarray    # (k, dim) the same for the labelled "not covered" ones
    m_out: float | None = None  # the lead of the nearest "not covered" one that turns a menu into "not ours"
    # The nearest labelled in-scope question's own cosine needed to answer: a lead over "not covered" says
    # little about a question unlike any labelled one (None: no floor, a rule applied before stop 32).
    floor: float | None = None

    def nearest(self, q: np.ndarray) -> tuple[float, float]:
        s_in, s_out = nearest(q[None, :], self.inside, self.outside)
        return float(s_in[0]), float(s_out[0])

    def decide(self, q: np.ndarray | None, confidence: float, menu: bool) -> str:
        """For a question the gate did not accept: "answer" when it is answered, "outside" when it would
        get a menu (`menu`) and is told it is not handled here instead, "" otherwise. `confidence` is the
        gate's (0 when its channels disagree). The nearest labels are looked up at most once: this runs on
        every question the bot does not answer outright."""
        if q is None:
            return ""
        near: tuple[float, float] | None = None
        if self.t is not None and self.m is not None and confidence >= self.t and len(self.inside):
            near = s_in, s_out = self.nearest(q)
            if s_in - s_out >= self.m and (self.floor is None or s_in >= self.floor):
                return "answer"
        if menu and self.m_out is not None and len(self.outside):
            s_in, s_out = self.nearest(q) if near is None else near
            if s_out - s_in >= self.m_out:
                return "outside"
        return ""


def nearest(v: np.ndarray, v_in: np.ndarray, v_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `v`: the nearest in-scope label's cosine and the nearest out-of-scope one's (-1 for a side
    with no labelled question); their difference is the row's lead."""
    s_in = (v @ v_in.T).max(1) if len(v_in) else np.full(len(v), -1.0)
    s_out = (v @ v_out.T).max(1) if len(v_out) else np.full(len(v), -1.0)
    return s_in, s_out


def remember(kb: Any, texts: list[str], cache: EmbeddingCache) -> None:
    """Put the vectors of labelled questions `kb` has just asked (its own query cache holds them) into the
    shared cache, so the rebuild that applies them encodes nothing."""
    dense = [kb.analyzer.analyse(q).dense_text for q in texts if q.strip()]
    cache.put_many(query_model(kb.encoder), {text_key(d): kb.query_vector(d) for d in dense})


def from_record(kb: Any, record: dict[str, Any] | None, cache: EmbeddingCache | None = None) -> Neighbours | None:
    """The rule an editor applied (faqs/local_threshold.LocalFit.record), with its labelled questions
    encoded as `kb` encodes a query; None when the record has none or cannot be read (logged: the index
    then serves its thresholds without the rule)."""
    if not record or (record.get("near_threshold") is None and record.get("near_outside") is None):
        return None
    try:
        near = record["neighbours"]
        t, m, m_out, floor = (None if record.get(k) is None else float(record[k])
                              for k in ("near_threshold", "near_margin", "near_outside", "near_floor"))

        def vectors(texts: list[Any]) -> np.ndarray:
            dense = [kb.analyzer.analyse(q).dense_text for q in texts if isinstance(q, str) and q.strip()]
            return encode_queries_cached(kb.encoder, dense, cache)

        return Neighbours(t, m, vectors(list(near["inside"])), vectors(list(near["outside"])), m_out, floor)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("ignoring the labelled-neighbours part of the applied thresholds (%s)", exc)
        return None
