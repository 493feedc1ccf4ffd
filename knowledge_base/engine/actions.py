"""The action a text asks for (issue / renew / cancel / appeal / ...), for telling near-twin entries apart.

About a third of a government FAQ comes in near-twin groups: the same licence issued, renewed, replaced
or cancelled. Their texts share every noun, so the dense and BM25 channels put the twins side by side
and the right one leads by too little to be answered directly. The verb is what differs, and it is said
in few ways: `data/actions.yaml` lists them (MSA, Gulf, English, Arabizi; general language data). A
text's actions are a bitmask over those classes; each candidate entry gets two ranking features:
- `match`: Jaccard overlap of the query's and the entry's actions (0 when either states none);
- `miss`: 1 when both state actions and none agree (nor is "near", e.g. renew ~ extend).
Their weights are fitted with the other fusion weights (rank_fit.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge_base.engine import yamltext
from knowledge_base.engine.normalize import DATA_DIR, Normalizer, fold, words

MIN_PREFIX = 5  # a Latin word of this length or more also matches as a word beginning
MEMO_MAX = 50_000  # texts whose masks are remembered (entry questions across live rebuilds, queries)


class ActionLexicon:
    def __init__(self, path: Path = DATA_DIR / "actions.yaml") -> None:
        classes = yamltext.load(path.read_text(encoding="utf-8"))["classes"]
        self.names = list(classes)
        bit = {n: 1 << i for i, n in enumerate(self.names)}
        # One regular expression per class: Arabic cores anywhere inside a word (a core has no space,
        # so searching the space-joined words is the same), Latin words whole or, when long, as a start.
        self.patterns = [(bit[n], _pattern(d)) for n, d in classes.items()]
        self.near = {bit[n]: sum(bit[m] for m in d.get("near", [])) for n, d in classes.items()}
        self._memo: dict[tuple[str, str], int] = {}

    def mask(self, norm: Normalizer, text: str) -> int:
        """Bitmask of the action classes `text` states (its folded words and their dialect mapping)."""
        key = (norm.version, text)
        m = self._memo.get(key)
        if m is None:
            if len(self._memo) > MEMO_MAX:
                self._memo.clear()
            raw = words(text)
            mapped = norm.dialect(raw)
            # phrases may hold stopwords ("where is my"); single cores must not sit in one ("غير")
            joined = f" {' '.join(raw)} | {' '.join(mapped)} "
            content = f" {' '.join(w for w in dict.fromkeys(raw + mapped) if w not in norm.stopwords)} "
            m = self._memo[key] = sum(b for b, (ph, one) in self.patterns
                                      if (ph and ph.search(joined)) or (one and one.search(content)))
        return m

    def near_of(self, mask: int) -> int:
        return sum(near for b, near in self.near.items() if mask & b)


def _pattern(d: dict) -> tuple[re.Pattern | None, re.Pattern | None]:
    """(phrases, searched in all the words; single words, searched in the content words)."""
    arabic = [fold(c) for c in d.get("arabic", [])]
    latin = [fold(c) for c in d.get("latin", [])]
    phrases = [f" {re.escape(c)} " for c in arabic + latin if " " in c]
    single = [re.escape(c) for c in arabic if " " not in c]
    single += [f" {re.escape(c)}" + ("" if len(c) >= MIN_PREFIX else "(?= )") for c in latin if " " not in c]
    return tuple(re.compile("|".join(p)) if p else None for p in (phrases, single))


@lru_cache(maxsize=1)
def default_lexicon() -> ActionLexicon:
    return ActionLexicon()


def entry_masks(lexicon: ActionLexicon, norm: Normalizer, questions: list[str]) -> np.ndarray:
    """One mask per entry, from its question (the alternatives restate it in looser words)."""
    return np.array([lexicon.mask(norm, q) for q in questions], dtype=np.int64)


def features(lexicon: ActionLexicon, q_mask: int, e_masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(match, miss) per entry of `e_masks` for a query stating `q_mask`."""
    if not q_mask or not len(e_masks):
        z = np.zeros(len(e_masks), np.float32)
        return z, z
    both = np.bitwise_count(e_masks & q_mask).astype(np.float32)
    union = np.bitwise_count(e_masks | q_mask).astype(np.float32)
    stated = e_masks != 0
    match = np.where(stated, both / np.maximum(union, 1), 0.0).astype(np.float32)
    miss = (stated & (both == 0) & ((e_masks & lexicon.near_of(q_mask)) == 0)).astype(np.float32)
    return match, miss
