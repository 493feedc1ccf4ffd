"""Asking a live index about its labelled questions: the evidence local_threshold.py sets a deployment's
thresholds and labelled-neighbours rule from (the editor's proposal, `recalibrate`, learn_eval).

A labelled question an editor has since added to its entry is asked with that alternative left out, as a
new citizen's question would be, not as an exact match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from knowledge_base.engine.selfcal import LeaveOut, alternative_field
from knowledge_base.faqs.learning import folded
from knowledge_base.faqs.local_threshold import LocalFit, evidence, local_answer_threshold, with_neighbours

# The most recent labelled questions of each kind re-asked per proposal: each is encoded (≈ 5 ms), and an
# editor waits for the answer; a thousand near misses already give k = 9 at 1 %.
MAX_LABELLED = 1000


@dataclass(frozen=True)
class Asked:
    """One labelled question asked of an index: its channels, and its entry's index (None: out of scope)."""

    ch: Any
    gold: int | None


def propose(kb: Any, shipped: float, inside: list[tuple[str, str]], outside: list[str],
            scope_shipped: float | None = None) -> LocalFit:
    """The thresholds for a live index from labelled questions (learning.labelled): encodes each one, so
    run it off the event loop. `shipped`, `scope_shipped`: the thresholds the index serves without local
    ones (no scope threshold is proposed without the second). In-scope questions whose entry the index no
    longer serves are left out; `inside` and `outside` oldest first."""
    index = {e.id: i for i, e in enumerate(kb.entries)}
    rows = [(q, index[i]) for q, i in inside if i in index][-MAX_LABELLED:] + \
        [(q, None) for q in outside][-MAX_LABELLED:]
    asked = [(q, Asked(kb.channels(kb.analyzer.analyse(q), _left_out(kb, q, gold)), gold)) for q, gold in rows
             if q.strip()]
    asked = [(q, a) for q, a in asked if len(a.ch.cand)]
    ev = evidence([a for _, a in asked], kb.thresholds)
    fit = local_answer_threshold(ev, shipped, scope_shipped=scope_shipped)
    return with_neighbours(fit, ev, [a.ch.q for _, a in asked], [q for q, _ in asked])


def _left_out(kb: Any, q: str, gold: int | None) -> LeaveOut | None:
    """A labelled question an editor has since added to its entry is asked as if it were not there: as the
    next citizen's own wording would be, not as an exact match."""
    if gold is None:
        return None
    key = folded(q)
    for j, alt in enumerate(kb.entries[gold].alternatives):
        if folded(alt) == key:
            return LeaveOut(field=alternative_field(kb, gold, j))
    return None
