"""The fitted model: two logistic regressions (complaint or not; reason of a complaint) over
[embedding, cue_weight × cues], fitted with scikit-learn and applied with numpy. Saved as JSON with the
encoder, dimension, normaliser and feature-data hash it was fitted with; loading checks them."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analytics.complaints.features import DATA_DIR
from analytics.complaints.labels import REASONS, ComplaintModelError, ModelMismatchError

FORMAT_VERSION = 1
MODEL_FILE = DATA_DIR / "model.json"


@dataclass(frozen=True)
class Params:
    C: float = 1.0
    cue_weight: float = 1.0
    threshold: float = 0.5  # complaint probability from which a text is a complaint


@dataclass(frozen=True)
class Linear:
    classes: tuple[str, ...]
    coef: np.ndarray       # (k, d); one row for a binary model (probability of classes[1])
    intercept: np.ndarray  # (k,)

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            p = 1 / (1 + np.exp(-z[:, 0]))
            return np.stack([1 - p, p], axis=1)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_dict(self) -> dict[str, Any]:
        return {"classes": list(self.classes), "coef": np.round(self.coef, 6).tolist(),
                "intercept": np.round(self.intercept, 6).tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Linear:
        return cls(tuple(d["classes"]), np.asarray(d["coef"], np.float32), np.asarray(d["intercept"], np.float32))


def fit_linear(x: np.ndarray, y: list[str], c: float) -> Linear:
    from sklearn.linear_model import LogisticRegression  # fitting only; classifying needs numpy alone

    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    lr.fit(x, y)
    return Linear(tuple(str(k) for k in lr.classes_), lr.coef_.astype(np.float32),
                  lr.intercept_.astype(np.float32))


@dataclass(frozen=True)
class FittedModel:
    encoder: str
    dim: int
    normalizer_version: str
    data_sha: str
    params: Params
    complaint: Linear  # classes ("no", "yes")
    reason: Linear     # classes: the reasons
    fitted_at: str = ""

    def check(self, encoder_name: str, dim: int, normalizer_version: str, data_sha: str) -> None:
        for what, fitted, running in (("encoder", self.encoder, encoder_name), ("dimension", self.dim, dim),
                                      ("normaliser", self.normalizer_version, normalizer_version),
                                      ("cue/training data", self.data_sha, data_sha)):
            if fitted != running:
                raise ModelMismatchError(what, fitted, running)

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "encoder": self.encoder, "dim": self.dim,
                "normalizer_version": self.normalizer_version, "data_sha": self.data_sha,
                "fitted_at": self.fitted_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "params": asdict(self.params), "complaint": self.complaint.to_dict(),
                "reason": self.reason.to_dict()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FittedModel:
        if d.get("format_version") != FORMAT_VERSION:
            raise ComplaintModelError(f"complaint model format {d.get('format_version')} != {FORMAT_VERSION}: "
                                      "refit it with `python -m analytics.complaints fit`")
        reason = Linear.from_dict(d["reason"])
        if set(reason.classes) != set(REASONS):
            raise ComplaintModelError("the complaint model does not cover every reason: refit it")
        return cls(d["encoder"], int(d["dim"]), d["normalizer_version"], d["data_sha"], Params(**d["params"]),
                   Linear.from_dict(d["complaint"]), reason, d.get("fitted_at", ""))


def save_model(model: FittedModel, path: Path = MODEL_FILE) -> None:
    path.write_text(json.dumps(model.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")


def read_model(path: Path = MODEL_FILE) -> FittedModel:
    if not Path(path).is_file():
        raise ComplaintModelError(f"no complaint model at {path}: fit it with `python -m analytics.complaints fit`")
    return FittedModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
