"""Fitting: the reason and complaint models on data/train.yaml; the regularisation, cue weight and
complaint threshold chosen on data/dev.yaml (never on the held-back set)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from analytics.complaints.features import DEV_FILE, TRAIN_FILE, Featurizer, combine
from analytics.complaints.labels import Example, load_examples
from analytics.complaints.metrics import scores
from analytics.complaints.model import FittedModel, Params, fit_linear

C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
CUE_WEIGHT_GRID = (0.0, 0.5, 1.0, 2.0)
THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.3, 0.71, 0.05))


@dataclass(frozen=True)
class Encoded:
    examples: list[Example]
    emb: np.ndarray
    cues: np.ndarray


def encode(feat: Featurizer, examples: list[Example]) -> Encoded:
    prepared = feat.prepare([ex.text for ex in examples])
    return Encoded(examples, feat.embed(prepared), feat.cue_matrix(prepared))


def fit_model(feat: Featurizer, train: Encoded, params: Params) -> FittedModel:
    x = combine(train.emb, train.cues, params.cue_weight)
    complaint = fit_linear(x, ["yes" if ex.is_complaint else "no" for ex in train.examples], params.C)
    idx = [i for i, ex in enumerate(train.examples) if ex.is_complaint]
    reason = fit_linear(x[idx], [train.examples[i].reason for i in idx], params.C)
    return FittedModel(feat.encoder.name, int(train.emb.shape[1]), feat.norm.version, feat.data_sha, params,
                       complaint, reason)


def predict(model: FittedModel, enc: Encoded, threshold: float | None = None) -> list[tuple[bool, str | None]]:
    x = combine(enc.emb, enc.cues, model.params.cue_weight)
    t = model.params.threshold if threshold is None else threshold
    pc = model.complaint.proba(x)[:, 1]
    pr = model.reason.proba(x).argmax(axis=1)
    return [(bool(c >= t), model.reason.classes[r] if c >= t else None) for c, r in zip(pc, pr, strict=True)]


def objective(s: dict) -> float:
    return (s["complaint"]["f1"] or 0.0) + (s["reason_macro_f1"] or 0.0)


def tune(feat: Featurizer) -> tuple[FittedModel, dict]:
    """Grid search on the dev set; returns the best model (fitted on train only) and its dev scores."""
    train = encode(feat, load_examples(TRAIN_FILE))
    dev = encode(feat, load_examples(DEV_FILE))
    gold = [(ex.is_complaint, ex.reason) for ex in dev.examples]
    best: tuple[float, FittedModel, dict] | None = None
    for c, w in itertools.product(C_GRID, CUE_WEIGHT_GRID):
        model = fit_model(feat, train, Params(c, w))
        for t in THRESHOLD_GRID:
            s = scores(gold, predict(model, dev, t))
            if best is None or objective(s) > best[0] + 1e-9:
                best = (objective(s), replace(model, params=Params(c, w, float(t))), s)
    assert best is not None
    return best[1], best[2]


def cross_validate(feat: Featurizer, params: Params, folds: int = 5, seed: int = 0) -> dict:
    """Stratified k-fold over the training set with fixed params: each text is predicted by a model
    that did not see it. A second, less tuned figure next to the dev one."""
    from sklearn.model_selection import StratifiedKFold

    train = encode(feat, load_examples(TRAIN_FILE))
    strata = [ex.reason or "inquiry" for ex in train.examples]
    pred: list[tuple[bool, str | None]] = [(False, None)] * len(strata)
    for fit_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(strata, strata):
        part = Encoded([train.examples[i] for i in fit_idx], train.emb[fit_idx], train.cues[fit_idx])
        held = Encoded([train.examples[i] for i in test_idx], train.emb[test_idx], train.cues[test_idx])
        for i, p in zip(test_idx, predict(fit_model(feat, part, params), held), strict=True):
            pred[i] = p
    gold = [(ex.is_complaint, ex.reason) for ex in train.examples]
    return {"set": f"{TRAIN_FILE.name}, {folds}-fold cross-validation", **scores(gold, pred)}
