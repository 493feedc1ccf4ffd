"""Near-duplicate warning: which served entries the bot's own retrieval finds close to a question."""

from __future__ import annotations

import asyncio
from typing import Any

MAX_TEXTS = 4  # the question and its first alternatives: enough to catch an overlap, bounded cost
MAX_DUPES = 3


def _find(kb: Any, texts: list[str], exclude_id: str | None) -> list[dict[str, Any]]:
    # A score the bot would answer with (margin aside: two near-identical entries have no margin, which is
    # exactly the duplicate case). The clarify floor is calibrated far lower and flags unrelated entries.
    floor = kb.thresholds.answer_score
    best: dict[str, dict[str, Any]] = {}
    for text in texts:
        for cand in kb.search(text, top_k=5).candidates:
            if cand.id == exclude_id or cand.score < floor:
                continue
            if cand.id not in best or cand.score > best[cand.id]["score"]:
                best[cand.id] = {"id": cand.id, "question": cand.question, "category": cand.category,
                                 "score": round(cand.score, 4), "matched_text": text}
    return sorted(best.values(), key=lambda d: -d["score"])[:MAX_DUPES]


async def near_duplicates(
    live: Any, question: str, alternatives: tuple[str, ...] | list[str], exclude_id: str | None = None
) -> list[dict[str, Any]]:
    """Served entries whose score for this question reaches the answer threshold (best first)."""
    kb = getattr(live, "current", None)
    texts = [t for t in (question, *alternatives) if t and t.strip()][:MAX_TEXTS]
    if kb is None or not texts:
        return []
    return await asyncio.to_thread(_find, kb, texts, exclude_id)
