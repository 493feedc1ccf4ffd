"""One FAQ entry as the store keeps it (a Redis hash of strings), and the pure steps of a change:
a revision's stamps and the fields it touched. The store (store.py) does the Redis side."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from common.clock import now_iso
from common.redistext import as_str
from knowledge_base.faqs.validation import ARABIC_TEXT, EDITABLE_FIELDS, ENGLISH_TEXT, LIST_FIELDS


@dataclass(frozen=True)
class StoredEntry:
    id: str
    category: str
    question: str
    answer: str
    alternatives: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = "draft"
    updated_at: str = ""
    created_at: str = ""
    updated_by: str = ""
    rev: int = 0
    deleted: bool = False
    question_en: str = ""
    alternatives_en: tuple[str, ...] = ()
    answer_en: str = ""
    updated_at_en: str = ""  # when the English texts last changed
    updated_at_ar: str = ""  # when the Arabic texts last changed (updated_at also moves on status, tags...)

    @property
    def served(self) -> bool:
        return self.status == "published" and not self.deleted

    @property
    def translation(self) -> str:
        """'missing' (no English version), 'stale' (the Arabic text changed after the English) or 'current'."""
        if not (self.question_en and self.answer_en):
            return "missing"
        return "stale" if self.updated_at_en < self.updated_at_ar else "current"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for name in LIST_FIELDS:
            out[name] = list(out[name])
        out["translation"] = self.translation
        return out

    def to_hash(self) -> dict[str, str]:
        out = {k: (json.dumps(list(v), ensure_ascii=False) if k in LIST_FIELDS else str(v))
               for k, v in asdict(self).items()}
        out["deleted"] = "1" if self.deleted else "0"
        return out

    @classmethod
    def from_hash(cls, raw: dict[Any, Any]) -> StoredEntry:
        h = {as_str(k): as_str(v) for k, v in raw.items()}
        lists = {name: tuple(json.loads(h.get(name) or "[]")) for name in LIST_FIELDS}
        return cls(
            id=h["id"], category=h.get("category", ""), question=h.get("question", ""),
            answer=h.get("answer", ""), status=h.get("status", "draft"), updated_at=h.get("updated_at", ""),
            created_at=h.get("created_at", ""), updated_by=h.get("updated_by", ""),
            rev=int(h.get("rev", "0")), deleted=h.get("deleted") == "1", question_en=h.get("question_en", ""),
            answer_en=h.get("answer_en", ""), updated_at_en=h.get("updated_at_en", ""),
            updated_at_ar=h.get("updated_at_ar", h.get("updated_at", "")), **lists,
        )

    def to_faq_entry(self) -> Any:
        from knowledge_base.engine.corpus import FaqEntry  # imported late: the engine is heavier than the store

        return FaqEntry(
            id=self.id, category=self.category, question=self.question, alternatives=self.alternatives,
            answer=self.answer, links=self.links, tags=self.tags, status=self.status,
            updated_at=self.updated_at, question_en=self.question_en, alternatives_en=self.alternatives_en,
            answer_en=self.answer_en, updated_at_en=self.updated_at_en,
        )


def from_faq_entry(entry: Any) -> dict[str, Any]:
    """The editable fields (plus id) of a corpus FaqEntry, as the store's create/upsert take them."""
    data = {name: getattr(entry, name) for name in EDITABLE_FIELDS}
    data["id"] = entry.id
    data["updated_at"] = entry.updated_at
    data["updated_at_en"] = entry.updated_at_en
    for name in LIST_FIELDS:
        data[name] = list(data[name] or ())
    return data


@dataclass(frozen=True)
class Change:
    action: str
    before: StoredEntry | None
    after: StoredEntry


def stamped(before: StoredEntry, after: StoredEntry) -> StoredEntry:
    """``after`` with its language dates moved for the texts that changed (the translation state needs them)."""
    now = now_iso("microseconds")  # the language dates are compared, and two edits often share a second
    arabic_changed = any(getattr(before, f) != getattr(after, f) for f in ARABIC_TEXT)
    english_changed = any(getattr(before, f) != getattr(after, f) for f in ENGLISH_TEXT)
    return replace(after, updated_at_ar=now if arabic_changed else after.updated_at_ar,
                   updated_at_en=(now if after.question_en else "") if english_changed else after.updated_at_en)


def next_revision(before: StoredEntry, after: StoredEntry, actor: str, now: str) -> StoredEntry:
    """``after`` saved as ``before``'s next revision by ``actor`` at ``now``."""
    return stamped(before, replace(after, rev=before.rev + 1, updated_at=now, updated_by=actor))


def diff(before: StoredEntry | None, after: StoredEntry) -> list[str]:
    fields = (*EDITABLE_FIELDS, "deleted")
    if before is None:
        return list(EDITABLE_FIELDS)
    return [f for f in fields if getattr(before, f) != getattr(after, f)]
