"""Fit the query tower (engine/tower.py): e5's top layers, query side only, on the fit corpora.

Each labelled question is scored against every entry of its own corpus with the engine's dense score
(mean of the entry's two best field cosines, base passage vectors, fixed), plus one "none of these"
option whose score is learned; cross-entropy pulls in-scope questions to their entry and near misses to
"none". The lower layers are frozen, so their outputs are computed once.

Only the top layers' biases and layer-norm weights are tuned ("BitFit"): they are stored as f32 in the
model file, so the C engine runs exactly what was trained. Tuning the matrices too (lr 2e-5) gained as
much in torch, but the 4-bit rounding erased it (docs/knowledge-base.md, stop 24).

`fit_all` writes the shipped tower (every fit corpus) and, for cross-fitting, one tower per corpus
fitted without it: `transfer --towers DIR` scores each corpus with the tower that never saw it.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from knowledge_base.engine.tower import write_tower
from knowledge_base.tuning.e5bert import Bert, batch, pad
from knowledge_base.tuning.e5torch import ModelFile, layer_tensors, quantise_q4


@dataclass(frozen=True)
class TowerConfig:
    top_layers: int = 4
    epochs: int = 4
    lr: float = 1e-3
    bias_only: bool = True
    temperature: float = 0.03
    none_start: float = 0.80
    batch_size: int = 32
    seed: int = 0


@dataclass
class Group:
    """One corpus (sets over the same corpus together): fixed field vectors and its questions."""

    name: str
    fields: np.ndarray            # (F, dim) base passage vectors
    field_entry: np.ndarray       # (F,) entry index of each field
    texts: list[str]              # questions as the engine encodes them (dense_text)
    gold: np.ndarray              # entry index, -1 out of scope
    states: list[torch.Tensor] = field(default_factory=list)
    _slots: Any = None

    def entry_scores(self, qv: torch.Tensor) -> torch.Tensor:
        """(B, entries): mean of each entry's two best field cosines, as the dense channel scores."""
        if self._slots is None:
            slot = np.zeros(len(self.field_entry), int)
            seen: dict[int, int] = {}
            for f, e in enumerate(self.field_entry):
                slot[f] = seen.get(int(e), 0)
                seen[int(e)] = slot[f] + 1
            self._slots = (torch.from_numpy(self.field_entry).long(), torch.from_numpy(slot), max(seen.values()))
        fe, slot, width = self._slots
        s = qv @ torch.from_numpy(self.fields).T
        grid = torch.full((len(qv), int(self.field_entry.max()) + 1, width), -2.0)
        grid[:, fe, slot] = s
        return grid.topk(min(2, width), dim=2).values.mean(2)


def lower_states(model: Bert, mf: ModelFile, texts: list[str], upto: int) -> list[torch.Tensor]:
    out: list[torch.Tensor] = []
    with torch.no_grad():
        for i in range(0, len(texts), 64):
            ids, mask = batch([mf.ids(t, True) for t in texts[i:i + 64]])
            x = model.run(model.embed(ids), mask, 0, upto)
            out.extend(x[r, : int(mask[r].sum())].clone() for r in range(len(ids)))
    return out


def _top(model: Bert, states: list[torch.Tensor], first: int) -> torch.Tensor:
    x, mask = pad(states)
    return Bert.pool(model.run(x, mask, first), mask)


def fit(mf: ModelFile, groups: list[Group], cfg: TowerConfig, log: Any = sys.stderr) -> Bert:
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    model = Bert(mf)
    first = mf.NL - cfg.top_layers
    for p in model.parameters():
        p.requires_grad = False
    params = [p for m in model.layers[first:] for n, p in m.named_parameters()
              if not cfg.bias_only or n.endswith(".bias") or "ln." in n]
    for p in params:
        p.requires_grad = True
    none = torch.nn.Parameter(torch.tensor(cfg.none_start))
    opt = torch.optim.AdamW([*params, none], lr=cfg.lr, weight_decay=0.01)
    batches = [(g, list(range(i, min(i + cfg.batch_size, len(g.texts)))))
               for g in groups for i in range(0, len(g.texts), cfg.batch_size)]
    for epoch in range(cfg.epochs):
        model.train()
        for g in groups:  # reshuffle which questions share a batch
            order = list(range(len(g.texts)))
            rng.shuffle(order)
            g._order = order  # type: ignore[attr-defined]
        rng.shuffle(batches)
        total = 0.0
        for g, idx in batches:
            rows = [g._order[i] for i in idx]  # type: ignore[attr-defined]
            qv = _top(model, [g.states[r] for r in rows], first)
            s = g.entry_scores(qv)
            logits = torch.cat([s, none.expand(len(rows), 1)], 1) / cfg.temperature
            gold = torch.from_numpy(g.gold[rows]).long()
            target = torch.where(gold >= 0, gold, torch.full_like(gold, s.shape[1]))
            loss = F.cross_entropy(logits, target)
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            total += float(loss.detach())
        print(f"tower: epoch {epoch + 1}/{cfg.epochs} loss {total / len(batches):.3f}", file=log)
    return model.eval()


def export(mf: ModelFile, model: Bert, cfg: TowerConfig) -> dict[str, tuple[int, bytes]]:
    """The tuned layers in the file's layout: name -> (offset in the base file, bytes)."""
    params = dict(model.named_parameters())
    out = {}
    for layer in range(mf.NL - cfg.top_layers, mf.NL):
        for fname, (pname, _shape) in layer_tensors(mf, layer).items():
            dtype, off, nbytes = mf.tensor_bytes(fname)
            if dtype == 1 and cfg.bias_only:
                continue
            a = params[pname].detach().numpy().astype(np.float32)
            data = quantise_q4(a) if dtype == 1 else a.tobytes()
            if len(data) != nbytes:
                raise ValueError(f"{fname}: {len(data)} bytes for a slot of {nbytes}")
            out[fname] = (off, data)
    return out


def fit_and_write(mf: ModelFile, groups: list[Group], cfg: TowerConfig, out: Path, left_out: str = "") -> None:
    model = fit(mf, groups, cfg)
    info: dict[str, Any] = {"fitted_on": sorted(g.name for g in groups), "left_out": left_out, "config": cfg.__dict__}
    write_tower(out, mf.path, export(mf, model, cfg), info)


def prepare(mf: ModelFile, groups: list[Group], cfg: TowerConfig) -> None:
    """Frozen lower layers: their outputs for every question, once."""
    base = Bert(mf).eval()
    for g in groups:
        g.states = lower_states(base, mf, g.texts, mf.NL - cfg.top_layers)
