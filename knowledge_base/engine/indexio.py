"""Index directory: manifest.json + entries.jsonl + vectors.npy + dense.faiss.

The manifest records the model, the engine's numerics fingerprint, dimension, normaliser version, corpus
hash and the thresholds; a mismatch with the running encoder/normaliser is refused with the rebuild command.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_base.engine.corpus import FaqEntry, entry_from_dict, write_jsonl
from knowledge_base.engine.dense import DenseIndex
from knowledge_base.engine.encoders import Encoder, numerics_of
from knowledge_base.engine.errors import IndexMismatchError
from knowledge_base.engine.normalize import default_normalizer
from knowledge_base.engine.thresholds import Thresholds

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


@dataclass
class IndexMeta:
    model: str
    dim: int
    normalizer_version: str
    corpus_hash: str
    index_kind: str
    numerics: str = ""  # the encoder's numerics_fingerprint: vectors of another engine are not mixed in


@dataclass(frozen=True)
class StoredIndex:
    """What an index directory holds. KnowledgeBase.load assembles it, so this module needs no search."""

    entries: list[FaqEntry]
    dense: DenseIndex
    thresholds: Thresholds
    meta: IndexMeta
    local: dict[str, Any] | None = None  # what `recalibrate --write` stored: the labelled-neighbours record


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    p = index_dir / MANIFEST
    if not p.exists():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


def write_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, index_dir / MANIFEST)


def save_index(kb: Any, out: Path) -> None:
    """Write every file, the manifest last, so a half-written index is never loaded."""
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)
    write_jsonl(kb.entries, out / "entries.jsonl")
    kb.dense.save(out)
    write_manifest(out, {
        "format_version": FORMAT_VERSION,
        "model": kb.meta.model,
        "numerics": kb.meta.numerics,
        "dim": kb.meta.dim,
        "normalizer_version": kb.meta.normalizer_version,
        "corpus_hash": kb.meta.corpus_hash,
        "index_kind": kb.dense.kind,
        "entries": len(kb.entries),
        "vectors": len(kb.dense.vectors),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "thresholds": kb.thresholds.to_dict(),
    })


def check_manifest(m: dict[str, Any] | None, index_dir: Path, encoder: Encoder) -> dict[str, Any]:
    where = str(index_dir)
    if m is None:
        raise IndexMismatchError(f"no index found in {where}", where)
    if m.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(f"index format {m.get('format_version')} != {FORMAT_VERSION}", where)
    if m.get("model") != encoder.name:
        raise IndexMismatchError(f"index built with model {m.get('model')!r}, encoder is {encoder.name!r}",
                                 where)
    running = numerics_of(encoder)
    if m.get("numerics", "") != running:
        raise IndexMismatchError(f"index vectors computed by engine numerics {m.get('numerics') or 'unrecorded'!r}, "
                                 f"this engine computes {running!r}", where)
    nv = default_normalizer().version
    if m.get("normalizer_version") != nv:
        raise IndexMismatchError(
            f"index built with normaliser {m.get('normalizer_version')!r}, current is {nv!r}", where)
    return m


def load_index(index_dir: Path, encoder: Encoder) -> StoredIndex:
    m = check_manifest(read_manifest(index_dir), index_dir, encoder)
    entries: list[FaqEntry] = []
    with (index_dir / "entries.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            entries.append(entry_from_dict(json.loads(line), str(index_dir / "entries.jsonl"), n))
    dense = DenseIndex.load(index_dir)
    if dense.vectors.shape[1] != m["dim"]:
        raise IndexMismatchError(f"vectors have dimension {dense.vectors.shape[1]}, manifest {m['dim']}",
                                 str(index_dir))
    meta = IndexMeta(m["model"], m["dim"], m["normalizer_version"], m["corpus_hash"], dense.kind, m.get("numerics", ""))
    return StoredIndex(entries, dense, Thresholds.from_dict(m["thresholds"]), meta, m.get("local"))


def check_encoder_dim(encoder: Encoder, dim: int, index_dir: Path) -> None:
    """Only a loaded model knows its dimension, hence checked once the knowledge base is assembled."""
    if encoder.dim and encoder.dim != dim and getattr(encoder, "_model", None) is not None:
        raise IndexMismatchError(f"encoder dimension {encoder.dim} != index {dim}", str(index_dir))


def store_thresholds(index_dir: Path, th: Thresholds, local: dict[str, Any] | None = None) -> None:
    """`local`: a deployment's labelled-use record (faqs/local_threshold.LocalFit.record), kept beside the
    thresholds it was proposed with; None drops an earlier one. A `build` of a changed corpus writes a new
    manifest, so both start from the defaults again."""
    m = read_manifest(index_dir)
    if m is None:
        raise IndexMismatchError(f"no index found in {index_dir}", str(index_dir))
    m["thresholds"] = th.to_dict()
    m.pop("local", None)
    if local is not None:
        m["local"] = local
    write_manifest(index_dir, m)
