"""The use streams (tests/data/sets.yaml `streams:`) were frozen before they were scored: a change to one
would silently move the figures docs/knowledge-base.md reports for them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parents[1] / "data"
STREAMS = yaml.safe_load((DATA / "sets.yaml").read_text(encoding="utf-8"))["streams"]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_files_are_the_frozen_ones(name: str) -> None:
    files = [DATA / f for f in (*STREAMS[name]["queries"], *STREAMS[name]["ood"])]
    recorded = {}
    for line in (files[0].parent / "stream.sha256").read_text().splitlines():
        digest, path = line.split()
        recorded[Path(path).name] = digest
    for f in files:
        assert hashlib.sha256(f.read_bytes()).hexdigest() == recorded[f.name], f"{f} changed since it was frozen"
