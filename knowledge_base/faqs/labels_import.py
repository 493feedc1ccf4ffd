"""Labelled questions from a file: each row a citizen's question and the entry that answers it, or none.

A ministry has such questions before its bot has served anyone: its call centre's log, its e-mails, a
pilot week in which staff ask the bot and note the right entry. Imported as learning evidence
(faqs/learning.py, source "import"), they reach editors the way citizens' picks and agents' marks do: the
in-scope rows as suggested alternatives with their evidence, every row as a label for the thresholds'
proposal (faqs/local_threshold.py). Nothing reaches the live index until an editor accepts a suggestion or
applies the proposal. What a stream of such labels does to a stranger's corpus is measured by
`learn_eval --streams --imported` (docs/knowledge-base.md).

Columns (CSV or XLSX header, JSON Lines keys): `question`, and `id`: the entry that answers it, left empty
when the FAQ does not cover the question. A call centre's log names the FAQ question more often than its id,
so `id` may also be the entry's question as the FAQ writes it (compared folded, as suggestions are).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from common.pii import mask
from knowledge_base.faqs import learning
from knowledge_base.faqs.importexport import ImportTooLarge, parse
from knowledge_base.faqs.store import FaqStore
from knowledge_base.faqs.stored import StoredEntry
from knowledge_base.faqs.validation import FieldError

COLUMNS = ("question", "id")
# The learning stream keeps its newest 50,000 pieces of evidence and a proposal reads 20,000: one file must
# not push a deployment's own citizens' picks out of sight.
MAX_LABEL_ROWS = 5_000
SHOWN_REJECTS = 200


@dataclass
class LabelRow:
    row: int
    question: str          # masked
    entry_id: str          # "" = not covered by the FAQ
    action: str            # "inside" | "outside" | "reject"
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "question": self.question, "id": self.entry_id, "action": self.action,
                "errors": self.errors}


@dataclass
class LabelReport:
    rows: list[LabelRow]
    applied: bool = False
    recorded: int = 0

    def counts(self) -> dict[str, int]:
        out = {"inside": 0, "outside": 0, "reject": 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        rejected = [r.to_json() for r in self.rows if r.action == "reject"]
        return {"applied": self.applied, "recorded": self.recorded, "counts": self.counts(),
                "rejected": rejected[:SHOWN_REJECTS]}


def _names(entries: dict[str, StoredEntry]) -> dict[str, str]:
    """What a row may name an entry by: its id, or its question folded; deleted entries are not named."""
    served = [e for e in entries.values() if not e.deleted]
    return {**{learning.folded(e.question): e.id for e in served}, **{e.id: e.id for e in served}}


def _row(n: int, raw: dict[str, Any], names: dict[str, str]) -> LabelRow:
    errors: list[FieldError] = []
    question = None if raw.get("_invalid") else raw.get("question")
    text = " ".join(question.split()) if isinstance(question, str) else ""
    kept = learning.clean_question(text)  # masked, as it would be recorded; None when it teaches nothing
    if not text:
        errors.append(FieldError("question", "required"))
    elif kept is None:
        errors.append(FieldError("question", "too_few_words", {"min": learning.MIN_WORDS}))
    named = str(raw.get("id") or "").strip()
    entry_id = (names.get(named) or names.get(learning.folded(named), "")) if named else ""
    if named and not entry_id:
        errors.append(FieldError("id", "unknown_entry", {"id": named}))
    action = "reject" if errors else "inside" if entry_id else "outside"
    return LabelRow(n, kept or mask(text)[:learning.MAX_TEXT], entry_id or named, action,
                    [e.to_json() for e in errors])


def plan_labels(rows: list[dict[str, Any]], entries: dict[str, StoredEntry]) -> LabelReport:
    if len(rows) > MAX_LABEL_ROWS:
        raise ImportTooLarge(f"the file has more than {MAX_LABEL_ROWS} questions; split it into smaller files",
                             MAX_LABEL_ROWS)
    names = _names(entries)
    return LabelReport([_row(n, raw, names) for n, raw in enumerate(rows, 1)])


def _parse_and_plan(data: bytes, fmt: str, entries: dict[str, StoredEntry]) -> LabelReport:
    return plan_labels(parse(data, fmt, COLUMNS), entries)


async def run_label_import(store: FaqStore, data: bytes, fmt: str, actor: str, dry_run: bool) -> LabelReport:
    """The plan of every row; unless `dry_run`, the rows that are not rejected recorded as evidence, under
    one batch id (the evidence's conversation), by `actor`."""
    entries = {e.id: e for e in await store.all()}
    report = await asyncio.to_thread(_parse_and_plan, data, fmt, entries)
    if dry_run:
        return report
    batch = f"import-{uuid.uuid4().hex[:12]}"
    for r in report.rows:
        if r.action == "reject":
            continue
        sid = await learning.record(store.redis, kind="pick" if r.entry_id else "outside", entry_id=r.entry_id,
                                    text=r.question, source="import", by=actor, conversation_id=batch,
                                    keys=store.keys)
        report.recorded += sid is not None
    report.applied = True
    return report
