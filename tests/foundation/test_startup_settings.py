"""Each service refuses to start on a malformed setting, with one line that names the variable."""

from __future__ import annotations

import subprocess

import pytest

from scripts.procs import ROOT, VENV_PY, base_env

CASES = [
    ("handoff", {"PORT": "eighty"}, "PORT"),
    ("handoff", {"REDIS_URL": "not a url"}, "REDIS_URL"),
    ("handoff", {"RASA_URL": "localhost"}, "RASA_URL"),
    ("actions", {"ACTIONS_PORT": "-5"}, "ACTIONS_PORT"),
    ("actions", {"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
]


@pytest.mark.parametrize(("module", "env", "name"), CASES)
def test_malformed_setting_fails_fast_naming_the_variable(module: str, env: dict[str, str], name: str) -> None:
    result = subprocess.run(
        [str(VENV_PY), "-m", module], cwd=ROOT, env=base_env(**env), capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got: {result.stderr[-2000:]}"
    assert name in lines[0]
