"""chatbot/tracker_store.py stores exactly what Rasa's own RedisTrackerStore stores, and merges only when it
must: the same scenarios (turns alternating between two replicas, a write by another replica between a read
and a save, a tracker with an earlier session) run under Rasa's Python against both classes on real Redis."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import urlparse

import pytest

from scripts import procs
from scripts.redis_prefix import delete_prefix

pytestmark = [pytest.mark.rasa]

RASA_PY = procs.ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = procs.ROOT / "tests" / "chatbot" / "tracker_store_scenarios.py"


def test_same_stored_trackers_as_rasa_with_fewer_merges(redis_url: str, redis_prefix: str) -> None:
    url = urlparse(redis_url)
    prefix = "".join(ch for ch in redis_prefix if ch.isalnum())
    try:
        run = subprocess.run([str(RASA_PY), str(SCRIPT), url.hostname or "127.0.0.1", str(url.port or 6379),
                              (url.path or "/0").lstrip("/") or "0", prefix],
                             cwd=procs.ROOT, capture_output=True, text=True, timeout=240)
    finally:
        delete_prefix(redis_url, prefix)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1].lstrip("\x1b[0m"))
    rasa, ours = result["RedisTrackerStore"], result["WholeTrackerRedisStore"]
    rasa.pop("merged_saves")
    assert rasa["turns"] == ["turn 0", "turn 1", "turn 2"]
    assert rasa["concurrent"][-2:] == ["from b", "from a"]  # neither replica's turn lost
    assert rasa["dialogue_sees"] == ["new"] and rasa["sessions"] == ["old", "new", "newer"]
    assert {k: v for k, v in ours.items() if k != "merged_saves"} == rasa
    # 7 saves: only the one after another replica's write and the one over an earlier session merge.
    assert ours["merged_saves"] == 2, ours
