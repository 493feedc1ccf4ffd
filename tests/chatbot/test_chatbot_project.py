"""The Rasa project is consistent: it validates, every intent has data and a rule, every reply has text,
and the committed cross-validation report meets the bar (intent F1 >= 0.95, request_human precision >= 0.98)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHATBOT = ROOT / "chatbot"
DOMAIN = yaml.safe_load((CHATBOT / "domain.yml").read_text(encoding="utf-8"))
ISSUE_INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "request_human", "bot_challenge",
    "feedback_positive", "feedback_negative", "chitchat",
]
LATIN = re.compile(r"[A-Za-z]")


def _examples() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((CHATBOT / "data").glob("nlu*.yml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            lines = [line.strip()[2:] for line in item["examples"].splitlines() if line.strip().startswith("- ")]
            found.setdefault(item["intent"], []).extend(lines)
    return found


@pytest.mark.slow
def test_rasa_data_validate_passes() -> None:
    done = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), "data", "validate", "--domain", "chatbot/domain.yml",
         "--data", "chatbot/data", "--config", "chatbot/config.yml"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_every_issue_intent_has_40_examples_in_arabic_and_latin_script() -> None:
    examples = _examples()
    for intent in ISSUE_INTENTS:
        lines = examples.get(intent, [])
        assert len(lines) >= 40, intent
        assert len(set(lines)) == len(lines), f"duplicate examples in {intent}"
        assert sum(1 for t in lines if LATIN.search(t)) >= 5, f"{intent}: too few English/Arabizi examples"
        assert sum(1 for t in lines if not LATIN.search(t)) >= 25, f"{intent}: too few Arabic examples"


def test_no_example_is_listed_under_two_intents() -> None:
    owners: dict[str, str] = {}
    for intent, lines in _examples().items():
        for line in lines:
            assert owners.setdefault(line, intent) == intent, f"{line!r} is under {owners[line]} and {intent}"


def test_every_intent_has_a_rule() -> None:
    rules = yaml.safe_load((CHATBOT / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
    covered = {r["steps"][0]["intent"] for r in rules}
    assert set(DOMAIN["intents"]) <= covered
    assert "nlu_fallback" in covered


def test_every_arabic_response_has_an_english_variant() -> None:
    names = set(DOMAIN["responses"])
    missing = [n for n in names if not n.endswith("_en") and f"{n}_en" not in names]
    assert missing == []


def test_responses_the_actions_send_exist() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "actions").glob("*.py"))
    used = set(re.findall(r"\"(utter_[a-z_]+)\"", source))
    assert used and used <= set(DOMAIN["responses"])


def test_cross_validation_report_meets_the_bar() -> None:
    report = json.loads((ROOT / "docs" / "nlu" / "intent_report.json").read_text(encoding="utf-8"))
    assert report["weighted avg"]["f1-score"] >= 0.95
    assert report["macro avg"]["f1-score"] >= 0.95
    assert report["request_human"]["precision"] >= 0.98
    assert report["request_human"]["support"] >= 40


def test_generated_examples_match_their_templates() -> None:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "chatbot/generate_nlu.py", "--check"], cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, "run `.venv/bin/python chatbot/generate_nlu.py` after editing the templates"
