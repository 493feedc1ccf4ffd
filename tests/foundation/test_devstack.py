"""`make run`'s orchestrator starts every service, prints the URLs, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
import uuid

import psutil
import pytest

from scripts.procs import ROOT, VENV_PY, base_env, free_port


@pytest.mark.rasa
@pytest.mark.slow
def test_run_prints_urls_serves_health_and_ctrl_c_stops_everything(redis_url: str) -> None:
    port = free_port()
    env = base_env(
        REDIS_URL=redis_url, REDIS_PREFIX=f"test:devstack-{uuid.uuid4().hex[:8]}:",
        PORT=str(port), ACTIONS_PORT=str(free_port()), RASA_PORT=str(free_port()),
    )
    env.pop("RASA_URL", None)
    proc = subprocess.Popen(
        [str(VENV_PY), "scripts/devstack.py", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 300
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(output)
        assert "Press Ctrl-C" in text, text
        for path in ("/", "/console", "/editor", "/health"):
            assert f"http://127.0.0.1:{port}{path}" in text
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
                assert resp.status == 200, path
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3  # actions, rasa, gateway (and their workers)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        proc.wait(timeout=60)
        time.sleep(0.5)
        alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert alive == [], f"orphans left behind: {[c.cmdline() for c in alive]}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        proc.stdout.close()
