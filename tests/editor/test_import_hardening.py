"""Hostile input to the editor API: oversized and bomb-like imports, deep JSON, control characters, formulas.

Each test is the regression test of one finding of the security probe (issue 13).
"""

from __future__ import annotations

import csv
import io
import json
import threading
import zipfile

import pytest
from aiohttp import FormData
from openpyxl import Workbook, load_workbook

from knowledge_base.faqs import importexport

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = ["id", "category", "question", "alternatives", "answer", "links", "tags", "status", "updated_at"]
DEEP = "[" * 1100 + "]" * 1100


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _row(entry_id: str, question: str = "هل يمكن تجديد الرخصة عبر الإنترنت؟",
         answer: str = "نعم، من خلال البوابة الإلكترونية.", alternatives: str = "") -> list[str]:
    return [entry_id, "الخدمات", question, alternatives, answer, "", "", "draft", ""]


def _shared_string_bomb(rows: int) -> bytes:
    """A small workbook whose sheet inflates to ``rows`` rows, each pointing at one shared string (the probe's)."""
    book = Workbook()
    book.active.append(["question"])
    real = io.BytesIO()
    book.save(real)
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             + b'<row><c t="s"><v>0</v></c></row>' * rows + b"</sheetData></worksheet>")
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
               b"<si><t>question</t></si></sst>")
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(real) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for name in src.namelist():  # openpyxl writes inline strings: swap in a sheet that uses a shared one
            part = {"xl/worksheets/sheet1.xml": sheet}.get(name, src.read(name))
            dst.writestr(name, part.replace(b"</Types>", override) if name == "[Content_Types].xml" else part)
        dst.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


async def _post_import(editor, data: bytes, fmt: str, dry_run: bool = True):
    # A stream, not bytes: aiohttp warns (ResourceWarning) that a raw body over 1 MB could block the loop.
    return await editor.client.post("/api/faq/import", data=io.BytesIO(data), headers=editor.auth("editor"),
                                    params={"format": fmt, "dry_run": "1" if dry_run else "0"})


async def _problem(resp, status: int, code: str) -> dict:
    """The one JSON error shape: {"error": code, "reason": text}."""
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["error"] == code and body["reason"], body
    return body


# ---- 1. imports that would block the event loop -------------------------------------------------------------

async def test_xlsx_shared_string_bomb_is_refused_before_openpyxl_inflates_it(editor) -> None:
    bomb = _shared_string_bomb(1_200_000)
    assert len(bomb) < 400_000  # the probe's file was 296 KB
    body = await _problem(await _post_import(editor, bomb, "xlsx"), 413, "too_large")
    assert "inflate" in body["reason"] or "unpack" in body["reason"]


async def test_more_rows_than_the_cap_is_413(editor) -> None:
    rows = [["", "عام", f"سؤال رقم {n} للتجربة هنا", "", "جواب للتجربة هنا", "", "", "draft", ""]
            for n in range(importexport.MAX_IMPORT_ROWS + 1)]
    body = await _problem(await _post_import(editor, _csv(rows), "csv"), 413, "too_large")
    assert str(importexport.MAX_IMPORT_ROWS) in body["reason"]


async def test_xlsx_row_cap_applies_while_streaming(editor, monkeypatch) -> None:
    monkeypatch.setattr(importexport, "MAX_IMPORT_ROWS", 50)
    await _problem(await _post_import(editor, _shared_string_bomb(60), "xlsx"), 413, "too_large")


async def test_import_parses_off_the_event_loop(editor, monkeypatch) -> None:
    threads = []
    real = importexport.parse

    def spy(data: bytes, fmt: str):
        threads.append(threading.get_ident())
        return real(data, fmt)

    monkeypatch.setattr(importexport, "parse", spy)
    resp = await _post_import(editor, _csv([_row("thread-check")]), "csv")
    assert resp.status == 200, await resp.text()
    assert threads and threads[0] != threading.get_ident()  # the test client shares the server's loop thread


# ---- 2. a CSV field over the csv module's limit ---------------------------------------------------------------

async def test_csv_field_over_128_kib_is_422_not_500(editor) -> None:
    body = await _problem(await _post_import(editor, _csv([_row("huge-field", answer="ب" * 140_000)]), "csv"),
                          422, "bad_file")
    assert "line" in body["reason"]


# ---- 3. multipart uploads get the documented 10 MB, JSON errors ----------------------------------------------

async def test_multipart_upload_over_64_kib_is_accepted(editor) -> None:
    rows = [_row(f"mp-big-{n}", question=f"سؤال طويل رقم {n} " + "كلمة " * 40) for n in range(300)]
    data = _csv(rows)
    assert len(data) > 64 * 1024
    form = FormData()
    form.add_field("file", data, filename="faq.csv", content_type="text/csv")
    resp = await editor.client.post("/api/faq/import", data=form, headers=editor.auth("editor"))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["counts"]["add"] == 300


async def test_multipart_upload_over_the_limit_is_json_413(editor) -> None:
    form = FormData()
    too_big = io.BytesIO(b"x" * (importexport.MAX_IMPORT_BYTES + 1))
    form.add_field("file", too_big, filename="faq.csv", content_type="text/csv")
    resp = await editor.client.post("/api/faq/import", data=form, headers=editor.auth("editor"))
    body = await _problem(resp, 413, "too_large")
    assert body["max"] == importexport.MAX_IMPORT_BYTES


async def test_raw_upload_over_the_limit_is_json_413(editor) -> None:
    resp = await _post_import(editor, b"x" * (importexport.MAX_IMPORT_BYTES + 1), "csv")
    await _problem(resp, 413, "too_large")


# ---- 4. control characters ------------------------------------------------------------------------------------

async def test_control_characters_are_cleaned_on_create_update_and_import(editor) -> None:
    entry = {"id": "ctl-create", "category": "الخدمات\x00", "question": "هل\x00 يمكن\x07 تجديد\x1b الرخصة؟",
             "alternatives": ["تجديد\x00 الرخصة"], "answer": "السطر الأول\nالسطر\tالثاني\x00\x7f\x9b",
             "tags": ["رخص\x08"]}
    resp = await editor.client.post("/api/faq", json=entry, headers=editor.auth("editor"))
    assert resp.status == 201, await resp.text()
    saved = (await resp.json())["entry"]
    assert saved["question"] == "هل يمكن تجديد الرخصة؟" and saved["category"] == "الخدمات"
    assert saved["answer"] == "السطر الأول\nالسطر\tالثاني"  # newlines and tabs of a multi-line answer stay
    assert saved["alternatives"] == ["تجديد الرخصة"] and saved["tags"] == ["رخص"]

    resp = await editor.client.put("/api/faq/ctl-create", json={"rev": saved["rev"], "question": "\x00سؤال معدل\x0c؟"},
                                   headers=editor.auth("editor"))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["entry"]["question"] == "سؤال معدل؟"

    resp = await _post_import(editor, _csv([_row("ctl-import", question="سؤال\x00 مستورد\x01 هنا؟")]), "csv",
                              dry_run=False)
    assert resp.status == 200, await resp.text()
    assert (await editor.store.get("ctl-import")).question == "سؤال مستورد هنا؟"


# ---- 5. spreadsheet formula injection --------------------------------------------------------------------------

FORMULAS = {
    "fx-equals": ("=HYPERLINK(\"https://evil.example\",\"اضغط هنا\")", "=1+1 جواب يبدأ بعلامة يساوي"),
    "fx-minus": ("-هل يمكن الدفع نقدًا في الفرع؟", "@SUM(A1) جواب"),
    "fx-plus": ("+966 هل هذا رقم الخدمة الصحيح؟", "نعم هذا هو الرقم."),
    "fx-quote": ("'=هل يبقى الاقتباس كما هو؟", "'جواب يبدأ بفاصلة عليا"),
}


async def test_exports_neutralise_formulas_and_reimport_unchanged(editor) -> None:
    for entry_id, (question, answer) in FORMULAS.items():  # as a draft made from citizen text would be
        entry = {"id": entry_id, "category": "الخدمات", "question": question, "answer": answer,
                 "alternatives": ["-بديل يبدأ بشرطة", "عادي"]}
        resp = await editor.client.post("/api/faq", json=entry, headers=editor.auth("editor"))
        assert resp.status == 201, await resp.text()
    stored = {i: await editor.store.get(i) for i in FORMULAS}
    assert stored["fx-minus"].question.startswith("-") and stored["fx-plus"].question.startswith("+")

    for fmt in ("csv", "xlsx"):
        exported = await editor.client.get("/api/faq/export", params={"format": fmt}, headers=editor.auth("editor"))
        data = await exported.read()
        if fmt == "csv":
            cells = [c for r in csv.reader(io.StringIO(data.decode("utf-8"))) for c in r]
        else:
            sheet = load_workbook(io.BytesIO(data)).active
            assert all(cell.data_type == "s" for r in sheet.iter_rows() for cell in r if cell.value is not None)
            cells = [c for r in sheet.iter_rows(values_only=True) for c in r if isinstance(c, str)]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], fmt
        assert "'=HYPERLINK(\"https://evil.example\",\"اضغط هنا\")" in cells
        assert "''=هل يبقى الاقتباس كما هو؟" in cells  # a real leading quote survives the round trip
        report = await (await _post_import(editor, data, fmt)).json()
        mine = [r for r in report["rows"] if r["id"] in FORMULAS]
        assert [r["action"] for r in mine] == ["unchanged"] * len(FORMULAS), (fmt, mine)
    assert {i: await editor.store.get(i) for i in FORMULAS} == stored


# ---- 6. deeply nested JSON -----------------------------------------------------------------------------------

async def test_deeply_nested_json_body_is_a_json_error(editor) -> None:
    for method, path in (("POST", "/api/faq"), ("PUT", "/api/faq/appointments-book")):
        resp = await editor.client.request(method, path, data=DEEP, headers={**editor.auth("editor"),
                                                                             "Content-Type": "application/json"})
        assert resp.status in (400, 422), (path, resp.status, await resp.text())
        body = await resp.json()
        assert body["error"] == "validation" and body["errors"][0]["field"] == "body"


async def test_deeply_nested_jsonl_line_is_422(editor) -> None:
    good = json.dumps({"id": "deep-ok", "category": "عام", "question": "سؤال سليم للتجربة؟", "answer": "جواب سليم."},
                      ensure_ascii=False)
    data = (good + "\n" + DEEP + "\n").encode("utf-8")
    body = await _problem(await _post_import(editor, data, "jsonl"), 422, "bad_file")
    assert "line 2" in body["reason"]
