"""Test harness for the actions: a scripted fake knowledge base and a conversation driver.

The driver plays Rasa's part: it maps each intent to the action chatbot/data/rules.yml names, runs the
action with a hand-built Tracker and a CollectingDispatcher, and applies the SlotSet events it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.rasa_actions import ACTION_CLASSES
from actions.unanswered import UnansweredRecorder
from knowledge_base.engine.corpus import FaqEntry
from knowledge_base.engine.search import Candidate, SearchResult
from knowledge_base.engine.thresholds import Thresholds

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "chatbot" / "domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((ROOT / "chatbot" / "data" / "rules.yml").read_text(encoding="utf-8"))["rules"]
INTENT_TO_ACTION = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in RULES}

CARD = "بطاقة ذوي الإعاقة"
ENTRIES = [
    FaqEntry("card-issue", CARD, "كيف أصدر بطاقة ذوي الإعاقة؟", (), "قدّم الطلب عبر المنصة.",
             ("https://example.gov.sa/card",)),
    FaqEntry("card-renew", CARD, "كيف أجدد بطاقة ذوي الإعاقة؟", (), "جدّدها من المنصة قبل انتهائها.",
             ("https://example.gov.sa/card/renew",), question_en="How do I renew the disability card?",
             answer_en="Renew it on the platform before it expires."),
    FaqEntry("card-fee", CARD, "كم رسوم إصدار بطاقة ذوي الإعاقة؟", (), "إصدار البطاقة مجاني.",
             ("javascript:alert(1)", "https://example.gov.sa/card/fee")),
    FaqEntry("card-docs", CARD, "ما المستندات المطلوبة لبطاقة ذوي الإعاقة؟", (), "التقرير الطبي والهوية.", ()),
    FaqEntry("complaint-employee", "الشكاوى", "كيف أشتكي على موظف؟", (), "من صفحة الشكاوى.",
             ("https://example.gov.sa/complaints",)),
]
BY_ID = {e.id: e for e in ENTRIES}


class FakeKB:
    """search() returns the scripted result for a text (default: handoff with no candidates)."""

    def __init__(self) -> None:
        self.script: dict[str, SearchResult] = {}
        self.calls: list[str] = []
        self.thresholds = Thresholds()
        self.entries = ENTRIES
        self.error: Exception | None = None

    def on(self, text: str, decision: str, *scored: tuple[str, float], truncated: bool = False) -> None:
        cands = [Candidate(BY_ID[i], s) for i, s in scored]
        self.script[text] = SearchResult(decision, cands, truncated)  # type: ignore[arg-type]

    def search(self, text: str, top_k: int = 10, context: Any = None) -> SearchResult:
        self.calls.append(text)
        if self.error is not None:
            raise self.error
        return self.script.get(text, SearchResult("handoff", [], False))

    def get(self, entry_id: str) -> FaqEntry | None:
        return BY_ID.get(entry_id)


@dataclass
class Conversation:
    kb_getter: Callable[[], Any]
    recorder: UnansweredRecorder
    sender: str = "conv-test"
    slots: dict[str, Any] = field(default_factory=lambda: {"miss_streak": 0.0, "negative_feedback": 0.0})
    events: list[dict[str, Any]] = field(default_factory=list)
    emitter: Any = None  # analytics.emitter.Emitter for the analytics tests

    async def say(self, text: str, intent: str, faq_id: str | None = None,
                  input_id: str | None = None, locale: str | None = None) -> list[dict[str, Any]]:
        entities = [{"entity": "faq_id", "value": faq_id}] if faq_id else []
        metadata = {**({"input_id": input_id} if input_id else {}), **({"locale": locale} if locale else {})}
        latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities,
                  "metadata": metadata}
        self.events.append({"event": "user", "text": text, "parse_data": latest})
        tracker = Tracker(self.sender, dict(self.slots), latest, list(self.events), False, None, {}, None)
        dispatcher = CollectingDispatcher()
        action = _action(INTENT_TO_ACTION[intent], self.recorder, self.emitter)
        from actions import kb_access

        original = kb_access.get_knowledge_base
        kb_access.get_knowledge_base = self.kb_getter  # the action reads the module attribute at call time
        try:
            events = await action.run(dispatcher, tracker, DOMAIN)
        finally:
            kb_access.get_knowledge_base = original
        for event in events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        return dispatcher.messages


def _action(name: str, recorder: UnansweredRecorder, emitter: Any = None) -> Any:
    for cls in ACTION_CLASSES:
        if cls.action_name == name:
            return cls(recorder, emitter)
    raise KeyError(name)


def responses(messages: list[dict[str, Any]]) -> list[str | None]:
    """What the citizen is sent; the context message for the gateway (context_of) is left out."""
    return [m.get("response") for m in messages if "context" not in (m.get("custom") or {})]


def context_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for m in messages:
        custom = m.get("custom") or {}
        if "context" in custom:
            return custom["context"]
    return None


def handoff_of(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for m in messages:
        custom = m.get("custom") or {}
        if "handoff" in custom:
            return custom["handoff"]
    return None


def text_of(message: dict[str, Any]) -> str | None:
    """The text of a message: plain, or inside the custom payload of an answer with its source link."""
    return message.get("text") or (message.get("custom") or {}).get("text")
