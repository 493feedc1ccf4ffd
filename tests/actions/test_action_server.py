"""`python -m actions` as a real process: settings errors, /health, and a well-formed reply without an index."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import procs

ROOT = Path(__file__).resolve().parents[2]


def test_bad_port_exits_2_naming_the_variable() -> None:
    env = procs.base_env(ACTIONS_PORT="fifty")
    done = subprocess.run([sys.executable, "-m", "actions"], env=env, cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert b"ACTIONS_PORT='fifty' is not an integer" in done.stderr


@pytest.fixture(scope="module")
def server_without_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = procs.free_port()
    logs = tmp_path_factory.mktemp("actions")
    service = procs.action_server(port, logs, KB_INDEX_DIR=str(logs / "no-index"), REDIS_URL="redis://127.0.0.1:1/0")
    service.start()
    try:
        service.wait_healthy(timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


def _post(url: str, body: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.load(resp)


def _action_call(action: str, text: str, intent: str) -> dict:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    return {
        "next_action": action,
        "sender_id": "srv-test",
        "version": "3.6.21",
        "domain": {"responses": {"utter_handoff": [{"text": "x"}]}},
        "tracker": {
            "sender_id": "srv-test", "slots": {}, "latest_message": latest,
            "events": [{"event": "user", "text": text, "parse_data": latest}],
            "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
        },
    }


def test_health_answers_even_without_an_index(server_without_index: str) -> None:
    with urllib.request.urlopen(server_without_index + "/health", timeout=10) as resp:
        assert resp.status == 200


def test_missing_index_still_returns_a_handoff(server_without_index: str) -> None:
    call = _action_call("action_answer_faq", "كيف اشتكي", "ask_question")
    status, body = _post(server_without_index + "/webhook", call)
    assert status == 200
    customs = [r["custom"] for r in body["responses"] if r.get("custom")]
    assert customs and customs[0]["handoff"]["reason"] == "low_confidence"
    assert customs[0]["handoff"]["summary"] == ["كيف اشتكي"]
    assert {"utter_handoff_apology", "utter_handoff"} <= {r.get("response") for r in body["responses"]}
