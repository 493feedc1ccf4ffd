"""FAQ entry model and corpus loaders (JSON Lines, YAML, CSV, or a directory of them).

JSON Lines is the canonical exchange format: one entry per line, fields exactly as in `FaqEntry`.
In CSV the list fields (alternatives, links, tags, alternatives_en) are separated by " | ".
The English version (question_en, alternatives_en, answer_en, updated_at_en) is optional; when given,
question_en and answer_en come together. Only the Arabic texts are indexed for search.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.engine import yamltext
from knowledge_base.engine.errors import CorpusError, DuplicateIdError

STATUSES = ("draft", "published")
LIST_FIELDS = ("alternatives", "links", "tags", "alternatives_en")
REQUIRED_TEXT = ("id", "category", "question", "answer")
ENGLISH_TEXT = ("question_en", "answer_en")
ENGLISH_FIELDS = ("question_en", "alternatives_en", "answer_en", "updated_at_en")
KNOWN_FIELDS = {*REQUIRED_TEXT, *LIST_FIELDS, *ENGLISH_FIELDS, "status", "updated_at"}
SUFFIXES = (".jsonl", ".yaml", ".yml", ".csv")


@dataclass(frozen=True)
class FaqEntry:
    id: str
    category: str
    question: str
    alternatives: tuple[str, ...]
    answer: str
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = "published"
    updated_at: str = ""
    question_en: str = ""
    alternatives_en: tuple[str, ...] = ()
    answer_en: str = ""
    updated_at_en: str = ""

    @property
    def has_english(self) -> bool:
        return bool(self.question_en and self.answer_en)

    def to_dict(self) -> dict[str, Any]:
        """Fields as in the corpus files; empty English fields are left out, so an entry without a
        translation reads (and hashes) exactly as before the English fields existed."""
        d = asdict(self)
        for f in LIST_FIELDS:
            d[f] = list(d[f])
        for f in ENGLISH_FIELDS:
            if not d[f]:
                del d[f]
        return d


def entry_from_dict(raw: Any, path: str, line: int | None) -> FaqEntry:
    """Validate one raw mapping; errors name file, line and field."""
    if not isinstance(raw, dict):
        raise CorpusError(path, line, None, f"expected an object with fields {sorted(KNOWN_FIELDS)}")
    vals: dict[str, Any] = {}
    for f in REQUIRED_TEXT:
        v = raw.get(f)
        if isinstance(v, int | float) and f == "id":
            v = str(v)
        if not isinstance(v, str) or not v.strip():
            raise CorpusError(path, line, f, "missing or empty (a non-empty text is required)")
        vals[f] = v.strip()
    for f in LIST_FIELDS:
        v = raw.get(f) or []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise CorpusError(path, line, f, "must be a list of texts")
        vals[f] = tuple(x.strip() for x in v if x.strip())
    status = raw.get("status") or "published"
    if status not in STATUSES:
        raise CorpusError(path, line, "status", f"must be one of {', '.join(STATUSES)}, got {status!r}")
    for f in ENGLISH_TEXT:
        v = raw.get(f) or ""
        if not isinstance(v, str):
            raise CorpusError(path, line, f, "must be a text")
        vals[f] = v.strip()
    if bool(vals["question_en"]) != bool(vals["answer_en"]):
        missing = "answer_en" if vals["question_en"] else "question_en"
        raise CorpusError(path, line, missing, "an English version needs both question_en and answer_en")
    return FaqEntry(status=status, updated_at=_date(raw, "updated_at", path, line),
                    updated_at_en=_date(raw, "updated_at_en", path, line), **vals)


def _date(raw: dict[str, Any], name: str, path: str, line: int | None) -> str:
    value = raw.get(name) or ""
    if isinstance(value, dt.date | dt.datetime):
        value = value.isoformat()
    if not isinstance(value, str):
        raise CorpusError(path, line, name, "must be an ISO-8601 date text")
    return value


def _load_jsonl(path: Path) -> list[FaqEntry]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(str(path), n, None, f"invalid JSON ({exc.msg})") from None
            out.append(entry_from_dict(raw, str(path), n))
    return out


def _load_yaml(path: Path) -> list[FaqEntry]:
    text = path.read_text(encoding="utf-8")
    try:
        data = yamltext.load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise CorpusError(str(path), line, None, f"invalid YAML ({getattr(exc, 'problem', exc)})") from None
    if data is None:
        return []
    if isinstance(data, dict) and isinstance(data.get("entries"), list):
        data = data["entries"]
        node = next(v for k, v in node.value if k.value == "entries")
    if not isinstance(data, list):
        raise CorpusError(str(path), 1, None, "expected a YAML list of entries")
    lines = [item.start_mark.line + 1 for item in node.value]
    return [entry_from_dict(raw, str(path), ln) for raw, ln in zip(data, lines, strict=True)]


def _load_csv(path: Path) -> list[FaqEntry]:
    out = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [f for f in REQUIRED_TEXT if f not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(str(path), 1, missing[0], "column missing from the header row")
        for row in reader:
            raw: dict[str, Any] = dict(row)
            for f in LIST_FIELDS:
                raw[f] = [x for x in (raw.get(f) or "").split("|") if x.strip()]
            out.append(entry_from_dict(raw, str(path), reader.line_num))
    return out


_LOADERS = {".jsonl": _load_jsonl, ".yaml": _load_yaml, ".yml": _load_yaml, ".csv": _load_csv}


def check_unique(entries: Iterable[FaqEntry]) -> None:
    counts = Counter(e.id for e in entries)
    dups = [i for i, c in counts.items() if c > 1]
    if dups:
        raise DuplicateIdError(dups)


def load_corpus(path: str | Path) -> list[FaqEntry]:
    """Load every entry (drafts included) from a file or a directory of corpus files."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix in SUFFIXES)
        if not files:
            raise CorpusError(str(p), None, None, f"no corpus files ({', '.join(SUFFIXES)}) in directory")
    elif p.is_file():
        if p.suffix not in _LOADERS:
            raise CorpusError(str(p), None, None, f"unknown corpus format; use one of {', '.join(SUFFIXES)}")
        files = [p]
    else:
        raise CorpusError(str(p), None, None, "no such file or directory")
    entries = [e for f in files for e in _LOADERS[f.suffix](f)]
    check_unique(entries)
    return entries


def published(entries: Iterable[FaqEntry]) -> list[FaqEntry]:
    return [e for e in entries if e.status == "published"]


def corpus_hash(entries: Iterable[FaqEntry]) -> str:
    h = hashlib.sha256()
    for e in sorted(entries, key=lambda x: x.id):
        h.update(json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True).encode())
        h.update(b"\n")
    return h.hexdigest()


def write_jsonl(entries: Iterable[FaqEntry], path: str | Path) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for e in entries:
            fh.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
