"""The typed wire contracts: one handoff packet shared by the action server and the gateway, and the
mypy configuration that `make lint` (run first by `make test`) enforces on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from actions import payload
from actions.state import CandidateInfo
from contracts.handoff import HANDOFF_REASONS, HandoffReason
from handoff import protocol
from handoff.rasa import parse_replies

ROOT = Path(__file__).resolve().parents[2]


def test_one_reason_set_for_both_services() -> None:
    assert payload.REASONS is HANDOFF_REASONS and protocol.HandoffReason is HandoffReason
    assert set(HANDOFF_REASONS) == set(get_args(HandoffReason)) == {
        "user_request", "low_confidence", "repeated_miss", "negative_feedback"}


@pytest.mark.parametrize("reason", HANDOFF_REASONS)
def test_every_packet_the_actions_build_crosses_the_gateway_parser_unchanged(reason: HandoffReason) -> None:
    cands: list[CandidateInfo] = [{"id": "passport-renew", "question": "كيف أجدد جوازي؟", "score": 0.61237,
                                   "category": "الجوازات"}]
    sent = payload.build_payload(reason, "الجوازات", cands, ["السلام عليكم", "/affirm", "ابي اجدد الجواز"])
    turn = parse_replies([{"recipient_id": "c-1", "custom": sent}])
    assert turn.handoff == sent["handoff"]


def test_mypy_enforces_the_contract_and_strict_scope(tmp_path: Path) -> None:
    # A module named handoff.* gets the project's strict settings; the real packages come from MYPYPATH.
    (tmp_path / "handoff").mkdir()
    (tmp_path / "handoff" / "__init__.py").write_text("")
    (tmp_path / "handoff" / "probe.py").write_text(
        "from contracts.handoff import HandoffBody\n"
        "\n"
        "def untyped(x):\n"
        "    return x\n"
        "\n"
        'bad: HandoffBody = {"reason": "bored", "topic": None, "candidates": [], "summary": []}\n'
        'good: HandoffBody = {"reason": "repeated_miss", "topic": None, "candidates": [], "summary": []}\n'
    )
    mypy = Path(sys.executable).with_name("mypy")
    result = subprocess.run(
        [str(mypy), "--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"),
         "handoff/probe.py"],
        cwd=tmp_path, env={**os.environ, "MYPYPATH": str(ROOT)}, capture_output=True, text=True, timeout=240,
    )
    errors = sorted(line.split(":")[1] for line in result.stdout.splitlines() if ": error:" in line)
    assert result.returncode == 1, result.stdout + result.stderr
    assert errors == ["3", "6"], result.stdout  # the untyped def (strict) and the unknown reason; not `good`
