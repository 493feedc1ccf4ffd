"""Near-duplicate warning: which served entries the bot's own retrieval finds close to a question."""

from __future__ import annotations

import asyncio
from typing import Any

MAX_TEXTS = 4  # the question and its first alternatives: enough to catch an overlap, bounded cost
MAX_DUPES = 3


def _find(kb: Any, texts: list[str], exclude_id: str | None) -> list[dict[str, Any]]:
    floor = kb.thresholds.clarify_score  # what the bot would at least offer as a choice
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
    """Served entries whose score for this question reaches the clarify threshold (best first)."""
    kb = getattr(live, "current", None)
    texts = [t for t in (question, *alternatives) if t and t.strip()][:MAX_TEXTS]
    if kb is None or not texts:
        return []
    return await asyncio.to_thread(_find, kb, texts, exclude_id)
