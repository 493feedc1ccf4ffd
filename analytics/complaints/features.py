"""Feature extraction: the sentence embedding of the project's encoder next to a few lexical cue groups."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import yaml

from analytics.complaints.labels import REASONS, load_examples
from analytics.complaints.text import PhraseMatcher, Prepared, TextPreparer
from knowledge_base.engine.encoders import Encoder
from knowledge_base.engine.normalize import Normalizer, default_normalizer

DATA_DIR = Path(__file__).with_name("data")
TRAIN_FILE = DATA_DIR / "train.yaml"
DEV_FILE = DATA_DIR / "dev.yaml"
CUES_FILE = DATA_DIR / "cues.yaml"
CUE_GROUPS = ("complaint", "inquiry", *(r for r in REASONS if r != "other"))


def feature_data_sha() -> str:
    """Hash of the files the features depend on (cues, and the training texts that guide Arabizi)."""
    return hashlib.sha256(CUES_FILE.read_bytes() + TRAIN_FILE.read_bytes()).hexdigest()[:16]


class Featurizer:
    def __init__(self, encoder: Encoder, norm: Normalizer | None = None) -> None:
        self.encoder = encoder
        self.norm = norm or default_normalizer()
        cues = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
        vocab = [ex.text for ex in load_examples(TRAIN_FILE)] + [str(c) for g in CUE_GROUPS for c in cues[g]]
        self.prep = TextPreparer(self.norm, vocab)
        self.cues = [PhraseMatcher(self.prep, cues[g]) for g in CUE_GROUPS]
        self.data_sha = feature_data_sha()

    def prepare(self, texts: list[str]) -> list[Prepared]:
        return [self.prep.prepare(t) for t in texts]

    def cue_matrix(self, prepared: list[Prepared]) -> np.ndarray:
        """(n, groups): 0, 0.5 or 1 for no, one, several matches of a group."""
        out = np.zeros((len(prepared), len(self.cues)), np.float32)
        for i, p in enumerate(prepared):
            for j, m in enumerate(self.cues):
                out[i, j] = min(m.count(p.tokens), 2) / 2
        return out

    def embed(self, prepared: list[Prepared]) -> np.ndarray:
        return self.encoder.encode_queries([p.dense for p in prepared])


def combine(emb: np.ndarray, cues: np.ndarray, cue_weight: float) -> np.ndarray:
    return np.hstack([emb, cue_weight * cues]).astype(np.float32)
