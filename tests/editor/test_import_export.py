"""Import (dry-run vs apply) and export (round-trip) in CSV, JSON Lines and XLSX through the API."""

from __future__ import annotations

import csv
import io
import json

import pytest
from aiohttp import FormData
from openpyxl import Workbook, load_workbook

pytestmark = pytest.mark.asyncio(loop_scope="module")

HEADER = ["id", "category", "question", "alternatives", "answer", "links", "tags", "status", "updated_at"]
ROWS = [
    ["imp-parking", "الفروع", "هل توجد مواقف سيارات عند الفرع؟", "وين اوقف سيارتي | فيه مواقف قريبة؟",
     "تتوفر مواقف مجانية للمراجعين أمام جميع الفروع.", "https://example.gov.sa/branches", "مواقف", "published",
     "2026-11-20"],
    ["imp-wifi", "الفروع", "هل يوجد إنترنت لاسلكي في صالة الانتظار؟", "فيه واي فاي؟",
     "نعم، شبكة مجانية اسمها Gov-Guest.", "", "", "draft", "2026-11-21"],
]


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


async def _import(editor, data: bytes, fmt: str, dry_run: bool) -> dict:
    resp = await editor.client.post("/api/faq/import", data=data, headers=editor.auth("editor"),
                                    params={"format": fmt, "dry_run": "1" if dry_run else "0"})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def _export(editor, fmt: str) -> bytes:
    resp = await editor.client.get("/api/faq/export", params={"format": fmt}, headers=editor.auth("editor"))
    assert resp.status == 200
    return await resp.read()


async def test_dry_run_reports_per_row_and_writes_nothing_then_apply_writes(editor) -> None:
    changed = ["appointments-book", "المواعيد", "كيف أحجز موعدًا لزيارة أحد فروع الوزارة؟", "",
               "جواب معدل للاختبار هنا.", "", "", "published", ""]
    bad = ["imp-bad", "", "؟", "", "", "javascript:x", "", "maybe", ""]
    data = _csv([*ROWS, changed, bad])
    version = await editor.store.version()
    report = await _import(editor, data, "csv", dry_run=True)
    assert report["applied"] is False
    actions = {r["id"]: r["action"] for r in report["rows"]}
    assert actions == {"imp-parking": "add", "imp-wifi": "add", "appointments-book": "change", "imp-bad": "reject"}
    by_id = {r["id"]: r for r in report["rows"]}
    assert set(by_id["appointments-book"]["fields"]) == {"answer", "alternatives", "links", "tags"}
    assert {e["field"] for e in by_id["imp-bad"]["errors"]} >= {"category", "question", "answer", "status"}
    assert by_id["imp-bad"]["row"] == 5
    assert await editor.store.version() == version and await editor.store.get("imp-parking") is None

    applied = await _import(editor, _csv(ROWS), "csv", dry_run=False)
    assert applied["applied"] and applied["counts"] == {"add": 2, "change": 0, "unchanged": 0, "reject": 0}
    parking = await editor.store.get("imp-parking")
    assert parking.alternatives == ("وين اوقف سيارتي", "فيه مواقف قريبة؟") and parking.served
    assert (await editor.store.get("imp-wifi")).status == "draft"
    assert (await editor.store.history("imp-parking"))[0]["action"] == "import"


async def test_multipart_upload_names_the_format(editor) -> None:
    form = FormData()
    form.add_field("file", _csv(ROWS[:1]), filename="faq.csv", content_type="text/csv")
    resp = await editor.client.post("/api/faq/import", data=form, headers=editor.auth("editor"))
    assert resp.status == 200
    assert (await resp.json())["applied"] is False  # dry run unless asked otherwise
    garbage = await editor.client.post("/api/faq/import", data=b"\xff\xfe\x00", params={"format": "xlsx"},
                                       headers=editor.auth("editor"))
    assert garbage.status == 422
    agent = await editor.client.post("/api/faq/import", data=_csv(ROWS), params={"format": "csv"},
                                     headers=editor.auth("agent"))
    assert agent.status == 403


async def test_csv_export_round_trip_equals_input(editor) -> None:
    await _import(editor, _csv(ROWS), "csv", dry_run=False)
    exported = list(csv.reader(io.StringIO((await _export(editor, "csv")).decode("utf-8"))))
    english = ["question_en", "alternatives_en", "answer_en", "updated_at_en"]
    assert exported[0] == HEADER + english
    mine = [row for row in exported[1:] if row[0] in ("imp-parking", "imp-wifi")]
    assert mine == [row + [""] * len(english) for row in ROWS]  # no English version given, none invented


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx"])
async def test_export_reimports_as_unchanged_and_exports_identically(editor, fmt: str) -> None:
    first = await _export(editor, fmt)
    report = await _import(editor, first, fmt, dry_run=True)
    assert report["counts"]["unchanged"] == len(report["rows"]) > 100
    assert report["counts"]["add"] == report["counts"]["change"] == report["counts"]["reject"] == 0
    second = await _export(editor, fmt)
    if fmt == "xlsx":
        rows = lambda b: [list(r) for r in load_workbook(io.BytesIO(b)).active.iter_rows(values_only=True)]  # noqa: E731
        assert rows(first) == rows(second)
    else:
        assert first == second


async def test_xlsx_import_and_jsonl_lists(editor) -> None:
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["imp-xlsx", "الفروع", "هل يمكن الدفع بالبطاقة في الفرع؟", "مدى | فيزا", "نعم، تقبل بطاقات مدى.",
                        None, None, "draft", None])
    buf = io.BytesIO()
    book.save(buf)
    report = await _import(editor, buf.getvalue(), "xlsx", dry_run=False)
    assert report["counts"]["add"] == 1
    assert (await editor.store.get("imp-xlsx")).alternatives == ("مدى", "فيزا")
    lines = [json.loads(line) for line in (await _export(editor, "jsonl")).decode().splitlines()]
    row = next(r for r in lines if r["id"] == "imp-xlsx")
    assert row["alternatives"] == ["مدى", "فيزا"] and row["status"] == "draft"
