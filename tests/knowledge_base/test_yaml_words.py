"""The word lists read `no` / `yes` / `on` / `off` as words (YAML 1.1 would make them booleans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge_base.engine import yamltext

DATA = Path(__file__).parents[2] / "knowledge_base" / "data"


def _scalars(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [*node, *(s for v in node.values() for s in _scalars(v))]
    if isinstance(node, list):
        return [s for v in node for s in _scalars(v)]
    return [node]


def test_bare_yes_no_on_off_stay_words() -> None:
    assert yamltext.load("w: [no, yes, on, off, y, n, No]\nflag: true\nk: 2\n") == {
        "w": ["no", "yes", "on", "off", "y", "n", "No"], "flag": True, "k": 2}


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_no_data_file_holds_a_boolean(path: Path) -> None:
    assert not [s for s in _scalars(yamltext.load(path.read_text(encoding="utf-8"))) if isinstance(s, bool)]
