"""Replies as data: a response name from domain.yml (language variant picked here) or knowledge-base text.

No citizen-facing sentence is written in Python: texts come from domain.yml responses (passed to every
action as ``domain``) or from the knowledge base entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

from rasa_sdk.executor import CollectingDispatcher


class Button(TypedDict):
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    response: str | None = None
    text: str | None = None
    buttons: list[Button] = field(default_factory=list)
    custom: dict[str, Any] | None = None
    variables: dict[str, str] = field(default_factory=dict)


class Phrasebook:
    """Resolves a response name to its language variant (``X_en``) and reads response texts for buttons."""

    def __init__(self, domain: Mapping[str, Any], lang: str) -> None:
        self._responses: Mapping[str, Any] = domain.get("responses", {}) or {}
        self.lang = lang

    def name(self, response: str) -> str:
        variant = f"{response}_{self.lang}"
        return variant if self.lang != "ar" and variant in self._responses else response

    def text(self, response: str) -> str:
        variants = self._responses.get(self.name(response)) or []
        if not variants or "text" not in variants[0]:
            raise KeyError(f"response {response!r} has no text in chatbot/domain.yml")
        return str(variants[0]["text"])


def dispatch(dispatcher: CollectingDispatcher, replies: list[Reply], book: Phrasebook) -> None:
    for reply in replies:
        if reply.custom is not None:
            dispatcher.utter_message(json_message=reply.custom)
        elif reply.response is not None:
            dispatcher.utter_message(response=book.name(reply.response), buttons=reply.buttons, **reply.variables)
        else:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons)
