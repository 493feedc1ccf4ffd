"""Validation of FAQ entries written by editors (API, import files).

Errors carry a field and a message code; the Arabic and English texts live in
``knowledge_base/data/editing_messages.json`` so they can be edited without touching Python.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

MESSAGES_PATH = Path(__file__).resolve().parents[1] / "data" / "editing_messages.json"

EDITABLE_FIELDS = (
    "category", "question", "alternatives", "answer", "links", "tags", "status",
    "question_en", "alternatives_en", "answer_en",
)
LIST_FIELDS = ("alternatives", "links", "tags", "alternatives_en")
# The English version is optional: an empty text clears it (the pair rule is check_english_pair's).
OPTIONAL_TEXT = ("question_en", "answer_en")
ARABIC_TEXT = ("question", "alternatives", "answer")
ENGLISH_TEXT = ("question_en", "alternatives_en", "answer_en")
STATUSES = ("draft", "published")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
_LINK_RE = re.compile(r"^(https://[^\s<>\"']+|mailto:[^\s<>\"']+|tel:\+?[0-9 ()-]{3,20})$", re.IGNORECASE)

LIMITS: dict[str, tuple[int, int]] = {
    "question": (5, 300), "answer": (5, 4000), "alternatives": (3, 300), "category": (2, 64), "tags": (1, 40),
    "question_en": (5, 300), "answer_en": (5, 4000), "alternatives_en": (3, 300),
}
MAX_ITEMS = {"alternatives": 50, "links": 10, "tags": 20, "alternatives_en": 50}
# C0/C1 controls except tab and newline, the set handoff/frames.py removes from chat text (mirrored: the
# knowledge base does not import the gateway). Entries are shown to citizens and exported to spreadsheets,
# so a NUL or an escape sequence has no business in them; bidi marks (U+200E/F, U+061C) are not controls.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        table = messages()
        texts = table.get(self.code, {"ar": self.code, "en": self.code})
        return {
            "field": self.field,
            "code": self.code,
            "message_ar": texts["ar"].format(**self.params),
            "message_en": texts["en"].format(**self.params),
        }


class ValidationFailed(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


@cache
def messages() -> dict[str, dict[str, str]]:
    return json.loads(MESSAGES_PATH.read_text(encoding="utf-8"))


def strip_controls(value: str) -> str:
    """The text without control characters; a CR line break becomes a newline so multi-line answers stay so."""
    return _CONTROL_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _text(name: str, value: Any, errors: list[FieldError]) -> str:
    if not isinstance(value, str):
        errors.append(FieldError(name, "not_text"))
        return ""
    value = strip_controls(value).strip()
    lo, hi = LIMITS.get(name, (1, 64))
    if not value:
        errors.append(FieldError(name, "required"))
    elif len(value) < lo:
        errors.append(FieldError(name, "too_short", {"min": lo}))
    elif len(value) > hi:
        errors.append(FieldError(name, "too_long", {"max": hi}))
    return value


def _items(name: str, value: Any, errors: list[FieldError]) -> tuple[str, ...]:
    if isinstance(value, str):  # forms and CSV cells send one item per line
        value = [line for line in value.splitlines()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError(name, "not_a_list"))
        return ()
    cleaned = (strip_controls(v).strip() for v in value)
    items = tuple(dict.fromkeys(v for v in cleaned if v))
    if len(items) > MAX_ITEMS[name]:
        errors.append(FieldError(name, "too_many", {"max": MAX_ITEMS[name]}))
    if name == "links" and any(not _LINK_RE.match(v) for v in items):
        errors.append(FieldError(name, "bad_link"))
    if name in LIMITS:
        lo, hi = LIMITS[name]
        if any(len(v) < lo for v in items):
            errors.append(FieldError(name, "too_short", {"min": lo}))
        if any(len(v) > hi for v in items):
            errors.append(FieldError(name, "too_long", {"max": hi}))
    return items


def clean_fields(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    """Return the editable fields of ``data``, normalised; raise ValidationFailed listing every bad field.

    ``partial`` (an update) validates only the fields present; otherwise question, answer and
    category are required.
    """
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    for name in data:
        if name not in EDITABLE_FIELDS and name not in ("id", "rev", "updated_at", "updated_at_en"):
            errors.append(FieldError(name, "unknown_field"))
    required = () if partial else ("category", "question", "answer")
    for name in required:
        if name not in data:
            errors.append(FieldError(name, "required"))
    for name in EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in LIST_FIELDS:
            out[name] = _items(name, value, errors)
        elif name == "status":
            if value not in STATUSES:
                errors.append(FieldError(name, "bad_status"))
            out[name] = value
        elif name == "category":
            out[name] = " ".join(_text(name, value, errors).split())
        elif name in OPTIONAL_TEXT and (value is None or (isinstance(value, str) and not value.strip())):
            out[name] = ""
        else:
            out[name] = _text(name, value, errors)
    if not partial:
        _pair_errors(out.get("question_en", ""), out.get("answer_en", ""), errors)
    if errors:
        raise ValidationFailed(errors)
    return out


def _pair_errors(question_en: str, answer_en: str, errors: list[FieldError]) -> None:
    if bool(question_en) != bool(answer_en):
        errors.append(FieldError("answer_en" if question_en else "question_en", "needs_both_en"))


def check_english_pair(question_en: str, answer_en: str) -> None:
    """An English version is a question and an answer, or nothing (an update checks the merged entry)."""
    errors: list[FieldError] = []
    _pair_errors(question_en, answer_en, errors)
    if errors:
        raise ValidationFailed(errors)


def check_id(entry_id: Any) -> str:
    if not isinstance(entry_id, str) or not _ID_RE.match(entry_id):
        raise ValidationFailed([FieldError("id", "bad_id")])
    return entry_id
