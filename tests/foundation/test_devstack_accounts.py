"""`make run` tells a newcomer that the console and the editor need an account, how to create one with this
stack's Redis settings, and the password rule, before any failed attempt (#15 item 19)."""

from __future__ import annotations

import re
import shlex
import subprocess

from handoff.accounts import MIN_PASSWORD_CHARS
from scripts.devstack import account_count, accounts_help, print_urls
from scripts.procs import ROOT, VENV_PY, base_env

PASSWORD = "x" * MIN_PASSWORD_CHARS


def run_printed(command: str, password: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run an `users add` line exactly as printed (its VAR=value prefix included), password on stdin."""
    words = shlex.split(command)
    extra = dict(w.split("=", 1) for w in words if re.match(r"^[A-Z_]+=", w))
    argv = [w for w in words if not re.match(r"^[A-Z_]+=", w)]
    assert argv[0] == ".venv/bin/python"
    return subprocess.run([str(VENV_PY), *argv[1:], "--password-stdin"], input=password + "\n", text=True,
                          capture_output=True, cwd=ROOT, env={**env, **extra}, timeout=60)


def test_run_prints_the_account_commands_and_the_password_rule(capsys, redis_url: str, redis_prefix: str) -> None:
    env = {"REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix}
    assert account_count(redis_url, redis_prefix) == 0
    print_urls(8080, accounts_help(account_count(redis_url, redis_prefix), env))
    out = capsys.readouterr().out
    assert "No staff account exists yet" in out
    assert f"at least {MIN_PASSWORD_CHARS} characters" in out
    assert out.index("No staff account") < out.index("Press Ctrl-C")  # said up front, not after a failure
    commands = [line.strip() for line in out.splitlines() if "handoff users add" in line]
    assert len(commands) == 2 and "--role supervisor" in commands[0] and "--role agent" in commands[1]

    # The printed commands work as printed, against this stack's Redis, and the rule is the real one.
    clean = base_env()
    clean.pop("REDIS_URL", None)
    clean.pop("REDIS_PREFIX", None)
    short = run_printed(commands[0], "x" * (MIN_PASSWORD_CHARS - 1), clean)
    assert short.returncode != 0 and str(MIN_PASSWORD_CHARS) in short.stderr + short.stdout
    for command in commands:
        done = run_printed(command, PASSWORD, clean)
        assert done.returncode == 0, done.stderr
    assert account_count(redis_url, redis_prefix) == 2
    assert "Staff accounts: 2." in accounts_help(2, env)


def test_no_redis_settings_are_printed_when_they_are_the_defaults() -> None:
    text = accounts_help(None, {})
    assert "REDIS_" not in text and ".venv/bin/python -m handoff users add" in text
