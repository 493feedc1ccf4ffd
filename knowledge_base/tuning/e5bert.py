"""e5-small's BERT encoder in torch, loaded from the bundled 4-bit file (see e5torch.py)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from knowledge_base.tuning.e5torch import ModelFile, layer_tensors


class Block(nn.Module):
    def __init__(self, h: int, ff: int, eps: float) -> None:
        super().__init__()
        self.q, self.k, self.v, self.ao = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.fi, self.fo = nn.Linear(h, ff), nn.Linear(ff, h)
        self.aln, self.oln = nn.LayerNorm(h, eps=eps), nn.LayerNorm(h, eps=eps)


class Bert(nn.Module):
    word: torch.Tensor
    pos: torch.Tensor
    token_type: torch.Tensor

    def __init__(self, mf: ModelFile) -> None:
        super().__init__()
        self.heads = mf.NH
        frozen = {"word": ("emb.word", (mf.VOC, mf.H)), "pos": ("emb.pos", (mf.MAXP, mf.H))}
        for attr, (name, shape) in frozen.items():
            self.register_buffer(attr, torch.from_numpy(mf.tensor(name, shape)))
        self.register_buffer("token_type", torch.from_numpy(mf.tensor("emb.type", (mf.TVS, mf.H))[0].copy()))
        self.eln = nn.LayerNorm(mf.H, eps=mf.eps)
        self.eln.weight.data = torch.from_numpy(mf.tensor("emb.ln.w", (mf.H,)))
        self.eln.bias.data = torch.from_numpy(mf.tensor("emb.ln.b", (mf.H,)))
        self.layers = nn.ModuleList([Block(mf.H, mf.FF, mf.eps) for _ in range(mf.NL)])
        params = dict(self.named_parameters())
        for layer in range(mf.NL):
            for fname, (pname, dims) in layer_tensors(mf, layer).items():
                params[pname].data = torch.from_numpy(mf.tensor(fname, dims))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.eln(self.word[ids] + self.pos[: ids.shape[1]][None] + self.token_type)
        return out

    def block(self, m: Block, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, h = x.shape
        split: tuple[int, ...] = (b, n, self.heads, h // self.heads)
        q, k, v = (lin(x).view(split).transpose(1, 2) for lin in (m.q, m.k, m.v))
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :].bool())
        x = m.aln(x + m.ao(att.transpose(1, 2).reshape(b, n, h)))
        out: torch.Tensor = m.oln(x + m.fo(F.gelu(m.fi(x))))
        return out

    def run(self, x: torch.Tensor, mask: torch.Tensor, first: int = 0, last: int | None = None) -> torch.Tensor:
        for m in list(self.layers)[first:last]:
            x = self.block(m, x, mask)  # type: ignore[arg-type]
        return x

    @staticmethod
    def pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        w = mask[..., None].to(x.dtype)
        return F.normalize((x * w).sum(1) / w.sum(1), dim=-1)


def batch(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(map(len, ids))
    t = torch.zeros(len(ids), width, dtype=torch.long)
    mask = torch.zeros(len(ids), width, dtype=torch.long)
    for r, row in enumerate(ids):
        t[r, : len(row)] = torch.tensor(row)
        mask[r, : len(row)] = 1
    return t, mask


def pad(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Variable-length hidden states [(n_i, H)] -> padded (B, n, H) and mask."""
    width = max(s.shape[0] for s in states)
    x = torch.zeros(len(states), width, states[0].shape[1])
    mask = torch.zeros(len(states), width, dtype=torch.long)
    for r, s in enumerate(states):
        x[r, : len(s)] = s
        mask[r, : len(s)] = 1
    return x, mask
