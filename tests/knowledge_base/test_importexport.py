"""Import/export file handling without the gateway: limits, malformed files, formula neutralisation."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook

from knowledge_base.faqs import importexport
from knowledge_base.faqs.importexport import ImportFormatError, ImportTooLarge, export_bytes, parse
from knowledge_base.faqs.stored import StoredEntry

HEADER = "id,category,question,alternatives,answer,links,tags,status,updated_at\n"


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    book.active.append(["id", "category", "question", "answer"])
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_csv_field_over_the_csv_limit_is_a_format_error() -> None:
    data = (HEADER + "big,عام,سؤال كبير؟,," + "ب" * 140_000 + ",,,draft,\n").encode("utf-8")
    with pytest.raises(ImportFormatError, match="line"):
        parse(data, "csv")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_row_cap_applies_to_text_formats(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importexport, "MAX_IMPORT_ROWS", 3)
    if fmt == "csv":
        data = (HEADER + "".join(f"r{n},عام,سؤال رقم {n}؟,,جواب هنا,,,draft,\n" for n in range(4))).encode()
    else:
        data = "".join(json.dumps({"question": f"سؤال {n}"}) + "\n" for n in range(4)).encode()
    assert len(parse(data[: data.rindex(b"\n", 0, -1) + 1], fmt)) == 3  # exactly the cap is fine
    with pytest.raises(ImportTooLarge) as caught:
        parse(data, fmt)
    assert caught.value.limit == 3


def test_bytes_cap_applies_to_every_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importexport, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(ImportTooLarge):
        parse((HEADER + "x" * 100).encode(), "csv")


def test_xlsx_inflated_size_is_checked_from_the_zip_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _xlsx([["x1", "عام", "سؤال للتجربة؟", "جواب للتجربة."]])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        inflated = sum(i.file_size for i in z.infolist())
    monkeypatch.setattr(importexport, "MAX_XLSX_INFLATED_BYTES", inflated)
    assert [r["id"] for r in parse(data, "xlsx")] == ["x1"]
    monkeypatch.setattr(importexport, "MAX_XLSX_INFLATED_BYTES", inflated - 1)
    with pytest.raises(ImportTooLarge, match="inflate"):
        parse(data, "xlsx")


def test_broken_xlsx_sheet_is_a_format_error_not_a_crash() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>")
    with pytest.raises(ImportFormatError):
        parse(buf.getvalue(), "xlsx")


@pytest.mark.parametrize("line", ["[" * 1100 + "]" * 1100, '{"question": ' + "[" * 1100 + "]" * 1100 + "}", "{"])
def test_malformed_or_deep_jsonl_is_a_format_error(line: str) -> None:
    with pytest.raises(ImportFormatError, match="line 2"):
        parse(('{"question": "سؤال"}\n' + line + "\n").encode(), "jsonl")


def _entry(entry_id: str, question: str, answer: str, alternatives: tuple[str, ...] = ()) -> StoredEntry:
    return StoredEntry(id=entry_id, category="عام", question=question, alternatives=alternatives, answer=answer,
                       links=(), tags=(), status="draft", updated_at="2026-11-20", rev=1, deleted=False,
                       created_at="2026-11-20", updated_by="test")


ENTRIES = [
    _entry("f1", "=HYPERLINK(\"https://evil.example\",\"اضغط\")", "+966 رقم الخدمة", ("-بديل", "عادي")),
    _entry("f2", "-هل يمكن الدفع نقدًا؟", "@SUM(A1)"),
    _entry("f3", "'=اقتباس حقيقي", "'جواب بفاصلة عليا"),
    _entry("f4", "سؤال عادي؟", "جواب عادي."),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formulas_are_neutralised_on_export_and_restored_on_import(fmt: str) -> None:
    data = export_bytes(ENTRIES, fmt)
    if fmt == "csv":
        cells = [c for r in csv.reader(io.StringIO(data.decode())) for c in r]
        assert '\'=HYPERLINK("https://evil.example","اضغط")' in cells and "'-بديل | عادي" in cells
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data)).active
        cells = [cell.value for r in sheet.iter_rows() for cell in r if isinstance(cell.value, str)]
        assert all(cell.data_type == "s" for r in sheet.iter_rows() for cell in r if cell.value is not None)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    rows = {r["id"]: r for r in parse(data, fmt)}
    for e in ENTRIES:
        assert (rows[e.id]["question"], rows[e.id]["answer"], tuple(rows[e.id].get("alternatives", ()))) == (
            e.question, e.answer, e.alternatives)


def test_a_hand_made_quote_before_a_formula_character_is_read_as_neutralisation() -> None:
    data = (HEADER + "q1,عام,'-سؤال يبدأ بشرطة,,'جواب,,,draft,\n").encode()
    row = parse(data, "csv")[0]
    assert row["question"] == "-سؤال يبدأ بشرطة" and row["answer"] == "'جواب"


def test_cli_import_reports_a_bad_file_without_a_traceback(redis_url: str, redis_prefix: str, tmp_path) -> None:
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 1100 + "]" * 1100 + "\n", encoding="utf-8")
    env = {**os.environ, "REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix}
    done = subprocess.run([sys.executable, "-m", "knowledge_base", "import", "--file", str(deep), "--dry-run"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "nested too deeply" in done.stderr and "Traceback" not in done.stderr
