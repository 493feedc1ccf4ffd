"""Talking to the real Rasa server over the REST channel, as the gateway does."""

from __future__ import annotations

import json
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.engine.corpus import load_corpus

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "chatbot" / "domain.yml").read_text(encoding="utf-8"))
ANSWERS = {e.id: e.answer for e in load_corpus(ROOT / "knowledge_base" / "corpus")}
ANSWERS_EN = {e.id: e.answer_en for e in load_corpus(ROOT / "knowledge_base" / "corpus")}
QUESTIONS = {e.id: e.question for e in load_corpus(ROOT / "knowledge_base" / "corpus")}


def utter(name: str) -> str:
    """The text of a domain response (first variant), e.g. utter("utter_greet")."""
    return str(DOMAIN["responses"][name][0]["text"])


@dataclass
class Chat:
    rasa_url: str
    sender: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex[:12]}")
    log: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def say(self, text: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        req = urllib.request.Request(
            f"{self.rasa_url}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            assert resp.status == 200
            replies = json.load(resp)
        self.log.append((text, replies))
        return replies


def texts(replies: list[dict[str, Any]]) -> list[str]:
    """Message texts as the gateway reads them (handoff/rasa.py): plain, or an answer's custom.text."""
    out = []
    for r in replies:
        custom = r.get("custom") if isinstance(r.get("custom"), dict) else {}
        if r.get("text") or custom.get("text"):
            out.append(r.get("text") or custom["text"])
    return out


def handoff(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    for r in replies:
        if isinstance(r.get("custom"), dict) and "handoff" in r["custom"]:
            return r["custom"]["handoff"]
    return None


def buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for r in replies for b in r.get("buttons") or []]
