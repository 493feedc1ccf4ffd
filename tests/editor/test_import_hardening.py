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
from openpyxl import load_workbook

from knowledge_base import importexport

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
    """A tiny workbook whose sheet inflates to ``rows`` rows, each pointing at one shared string (the probe's)."""
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             + b'<row><c t="s"><v>0</v></c></row>' * rows + b"</sheetData></worksheet>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   "<si><t>question</t></si></sst>")
    return buf.getvalue()


async def _post_import(editor, data: bytes, fmt: str, dry_run: bool = True):
    return await editor.client.post("/api/faq/import", data=data, headers=editor.auth("editor"),
                                    params={"format": fmt, "dry_run": "1" if dry_run else "0"})


async def _problem(resp, status: int, code: str) -> dict:
    """The one JSON error shape: {"error": code, "reason": text}."""
    assert resp.status == status, await resp.text()
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["error"] == code and body["reason"], body
    return body


# ---- 1. imports that would block the event loop -------------------------------------------------------------


# ---- 2. a CSV field over the csv module's limit ---------------------------------------------------------------


# ---- 3. multipart uploads get the documented 10 MB, JSON errors ----------------------------------------------


# ---- 4. control characters ------------------------------------------------------------------------------------


# ---- 5. spreadsheet formula injection --------------------------------------------------------------------------

FORMULAS = {
    "fx-equals": ("=HYPERLINK(\"https://evil.example\",\"اضغط هنا\")", "=1+1 جواب يبدأ بعلامة يساوي"),
    "fx-minus": ("-هل يمكن الدفع نقدًا في الفرع؟", "@SUM(A1) جواب"),
    "fx-plus": ("+966 هل هذا رقم الخدمة الصحيح؟", "نعم هذا هو الرقم."),
    "fx-quote": ("'=هل يبقى الاقتباس كما هو؟", "'جواب يبدأ بفاصلة عليا"),
}


# ---- 6. deeply nested JSON -----------------------------------------------------------------------------------

async def test_deeply_nested_json_body_is_a_json_error(editor) -> None:
    for method, path in (("POST", "/api/faq"), ("PUT", "/api/faq/appointments-book")):
        resp = await editor.client.request(method, path, data=DEEP, headers={**editor.auth("editor"),
                                                                             "Content-Type": "application/json"})
        assert resp.status in (400, 422), (path, resp.status, await resp.text())
        body = await resp.json()
        assert body["error"] == "validation" and body["errors"][0]["field"] == "body"


