"""Import and export of the FAQ store as CSV, JSON Lines or XLSX, with a per-row dry-run plan.

CSV and XLSX put one entry per row with the list fields (alternatives, links, tags, alternatives_en) joined by
" | " (the corpus CSV loader splits them the same way); JSON Lines is one FaqEntry object per line.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from knowledge_base.faqs.store import FaqStore
from knowledge_base.faqs.stored import StoredEntry, diff
from knowledge_base.faqs.validation import (
    LIST_FIELDS,
    FieldError,
    ValidationFailed,
    check_id,
    clean_fields,
    strip_controls,
)

COLUMNS = (
    "id", "category", "question", "alternatives", "answer", "links", "tags", "status", "updated_at",
    "question_en", "alternatives_en", "answer_en", "updated_at_en",
)
FORMATS = ("csv", "jsonl", "xlsx")
SEPARATOR = " | "
# Limits on what one import may ask of the process (docs/editing.md "Import limits"). The gateway parses in a
# worker thread, but a thread still holds memory and the GIL: a 296 KB workbook unpacking to 1.2 M rows took
# 36 s and 400 MB. 20,000 rows is over 100 times today's corpus.
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
MAX_XLSX_INFLATED_BYTES = 32 * 1024 * 1024
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"). Citizen text
# reaches FAQ drafts, so exports put a ' before such cells and imports take exactly that ' off again.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ImportFormatError(ValueError):
    """The file cannot be read at all (wrong format, bad encoding, no header)."""


class ImportTooLarge(ImportFormatError):
    """The file is over a limit above (bytes, rows, unpacked size): HTTP 413 rather than 422."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass
class RowPlan:
    row: int
    id: str | None
    action: str  # "add" | "change" | "unchanged" | "reject"
    fields: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> {"before", "after"}
    published: bool = False  # a change would overwrite an entry citizens are being answered with

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "id": self.id, "action": self.action, "fields": self.fields, "errors": self.errors,
                "changes": self.changes, "published": self.published}


@dataclass
class ImportReport:
    rows: list[RowPlan]
    applied: bool = False
    version: int | None = None

    def counts(self) -> dict[str, int]:
        out = {"add": 0, "change": 0, "unchanged": 0, "reject": 0}
        for r in self.rows:
            out[r.action] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "version": self.version, "counts": self.counts(),
                "overwrites_published": sum(1 for r in self.rows if r.published),
                "rows": [r.to_json() for r in self.rows]}


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [part.strip() for part in str(value).split("|") if part.strip()]


def neutralise(cell: str) -> str:
    """The cell with a leading ' if a spreadsheet would read it as a formula.

    A cell that already starts with quotes before such a character gets one more, so that unquote
    gives it back unchanged.
    """
    return "'" + cell if cell.lstrip("'")[:1] in FORMULA_STARTS else cell


def unquote(cell: str) -> str:
    """neutralise undone: one leading ' off when what follows it would be a formula."""
    return cell[1:] if cell.startswith("'") and cell[1:].lstrip("'")[:1] in FORMULA_STARTS else cell


def _unquoted(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: unquote(v) if isinstance(v, str) else v for k, v in raw.items()}


def _row_dict(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key is None or str(key).strip() == "":
            continue
        key = str(key).strip()
        if value is None or (isinstance(value, str) and value.strip() == "" and key not in LIST_FIELDS):
            continue
        out[key] = _split(value) if key in LIST_FIELDS else (value if isinstance(value, str) else str(value))
    return out


def parse(data: bytes, fmt: str, columns: tuple[str, ...] = COLUMNS) -> list[dict[str, Any]]:
    """Rows of the file as dicts (list fields already split); raises ImportFormatError or ImportTooLarge.
    `columns`: the columns a CSV or XLSX header should name, for the error when it lacks `question`.

    CPU-bound on big files: async callers run it in a thread (run_import does).
    """
    if fmt not in FORMATS:
        raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportTooLarge(f"the file is over {MAX_IMPORT_BYTES} bytes; split it into smaller files",
                             MAX_IMPORT_BYTES)
    if fmt == "xlsx":
        return _parse_xlsx(data, columns)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFormatError("the file is not UTF-8 text; save it as UTF-8 and retry") from None
    return _parse_csv(text, columns) if fmt == "csv" else _capped(_parse_jsonl(text))


def _capped(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, refusing the file as soon as it has more than MAX_IMPORT_ROWS (before reading the rest)."""
    out: list[dict[str, Any]] = []
    for row in rows:
        if len(out) >= MAX_IMPORT_ROWS:
            raise ImportTooLarge(f"the file has more than {MAX_IMPORT_ROWS} rows; split it into smaller files",
                                 MAX_IMPORT_ROWS)
        out.append(row)
    return out


def _parse_csv(text: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not reader.fieldnames or "question" not in reader.fieldnames:
            raise ImportFormatError("the CSV header must name the columns: " + ", ".join(columns))
        return _capped(_row_dict(_unquoted(r)) for r in reader)
    except csv.Error as exc:  # e.g. a field over csv.field_size_limit() (128 KiB): no row after it can be trusted
        raise ImportFormatError(f"line {reader.line_num}: not valid CSV ({exc})") from None


def _parse_jsonl(text: str) -> Iterable[dict[str, Any]]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            yield _row_dict(obj) if isinstance(obj, dict) else {"_invalid": True}
        except ValueError as exc:
            raise ImportFormatError(f"line {n}: invalid JSON ({getattr(exc, 'msg', exc)})") from None
        except RecursionError:  # "[" * 1100: nested deeper than the parser (or str()) goes
            raise ImportFormatError(f"line {n}: invalid JSON (nested too deeply)") from None


def _parse_xlsx(data: bytes, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    _check_inflated(data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-workbook file
        raise ImportFormatError(f"not an XLSX workbook ({type(exc).__name__})") from None
    try:
        return _capped(_xlsx_rows(book.worksheets[0], columns))
    except ImportFormatError:
        raise
    except Exception as exc:  # read-only sheets parse lazily: a broken sheet fails here, not in load_workbook
        raise ImportFormatError(f"not an XLSX workbook ({type(exc).__name__})") from None
    finally:
        book.close()


def _check_inflated(data: bytes) -> None:
    """Refuse a workbook that would unpack to more than MAX_XLSX_INFLATED_BYTES, before openpyxl unpacks it.

    The sizes are the zip directory's; zipfile never returns more than an entry's declared size, so a file
    that lies about them fails its CRC check instead of inflating further.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportFormatError(f"not an XLSX workbook ({type(exc).__name__})") from None
    if size > MAX_XLSX_INFLATED_BYTES:
        raise ImportTooLarge(f"the workbook would inflate to {size} bytes when unpacked (limit "
                             f"{MAX_XLSX_INFLATED_BYTES}); split it or save it as CSV", MAX_XLSX_INFLATED_BYTES)


def _xlsx_rows(sheet: Any, columns: tuple[str, ...]) -> Iterable[dict[str, Any]]:
    it = sheet.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(it, ())]
    if "question" not in header:
        raise ImportFormatError("the first sheet's first row must name the columns: " + ", ".join(columns))
    return (_row_dict(_unquoted(dict(zip(header, values, strict=False))))
            for values in it if any(v is not None for v in values))


def _auto_id(row: dict[str, Any]) -> str:
    return "faq-" + hashlib.sha1(str(row.get("question", "")).encode()).hexdigest()[:8]  # noqa: S324 - an id, not security


def plan(rows: list[dict[str, Any]], current: dict[str, StoredEntry]) -> ImportReport:
    """What applying ``rows`` would do to the store whose entries are ``current`` (by id)."""
    plans, seen = [], set()
    for n, raw in enumerate(rows, 2 if rows else 1):  # row 1 is the header in CSV/XLSX
        raw = dict(raw)
        raw.setdefault("status", "draft")
        given = raw.get("id")
        try:
            if given:
                check_id(given)
            fields = clean_fields({k: v for k, v in raw.items() if k != "id"}, partial=False)
            entry_id = given or _auto_id(raw)  # an id is made up only for a row that will be added
            if entry_id in seen:
                raise ValidationFailed([FieldError("id", "duplicate_id")])
        except ValidationFailed as exc:
            plans.append(RowPlan(n, given or None, "reject", errors=[e.to_json() for e in exc.errors]))
            continue
        raw["id"] = entry_id
        seen.add(entry_id)
        before = current.get(entry_id)
        if before is None:
            plans.append(RowPlan(n, entry_id, "add", fields=sorted(fields), data=raw))
            continue
        plans.append(_change_plan(n, before, fields, raw))
    return ImportReport(plans)


def _change_plan(n: int, before: StoredEntry, fields: dict[str, Any], raw: dict[str, Any]) -> RowPlan:
    after = replace(before, **fields, deleted=False)
    changed = diff(before, after)
    if not changed:
        return RowPlan(n, before.id, "unchanged", data=raw)
    old, new = before.to_json(), after.to_json()
    changes = {f: {"before": old[f], "after": new[f]} for f in changed}
    return RowPlan(n, before.id, "change", fields=changed, data=raw, changes=changes, published=before.served)


def _parse_and_plan(data: bytes, fmt: str, current: dict[str, StoredEntry]) -> ImportReport:
    return plan(parse(data, fmt), current)


async def run_import(store: FaqStore, data: bytes, fmt: str, actor: str, dry_run: bool) -> ImportReport:
    current = {e.id: e for e in await store.all()}
    # Parsing and validating thousands of rows is seconds of CPU: off the event loop, or every chat and
    # /health wait for it.
    report = await asyncio.to_thread(_parse_and_plan, data, fmt, current)
    if not dry_run:
        todo = [p.data for p in report.rows if p.action in ("add", "change") and p.data is not None]
        await store.upsert_many(todo, actor, action="import")
        report.applied = True
        report.version = await store.version()
    return report


def export_rows(entries: list[StoredEntry]) -> list[dict[str, Any]]:
    rows = []
    for entry in sorted((e for e in entries if not e.deleted), key=lambda e: e.id):
        data = entry.to_json()
        rows.append({name: data[name] for name in COLUMNS})
    return rows


def export_bytes(entries: list[StoredEntry], fmt: str) -> bytes:
    rows = export_rows(entries)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    flat = [{k: _cell(SEPARATOR.join(v) if k in LIST_FIELDS else v) for k, v in r.items()} for r in rows]
    if fmt == "csv":
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(flat)
        return buf.getvalue().encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(flat)
    raise ImportFormatError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def _cell(value: Any) -> Any:
    """A CSV/XLSX cell: text neutralised, controls out (entries stored before validation removed them would
    make openpyxl refuse the whole export)."""
    return neutralise(strip_controls(value)) if isinstance(value, str) else value


def _xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "faq"
    sheet.sheet_view.rightToLeft = True
    sheet.append(list(COLUMNS))
    for r in rows:
        sheet.append([r[c] for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
