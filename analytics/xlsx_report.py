"""The quarterly report as an Arabic XLSX workbook (openpyxl), every sheet right-to-left.

Cells hold the report's raw values (rates as fractions with a percent format, times in seconds), so a
reader who recomputes gets the JSON's figures, and a test can compare them one by one."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analytics import render
from analytics.labels import label, labels, text

SHEETS = {"headline": "الملخص", "branches": "الفروع", "complaints": "الشكاوى", "callbacks": "معاودة الاتصال",
          "daily": "يومي"}
HEADER_FILL = PatternFill("solid", fgColor="0A6647")
HEADER_FONT = Font(bold=True, color="FFFFFF")
FORMATS = {"rate": "0.0%", "seconds": "0", "count": "#,##0"}


def _sheet(wb: Workbook, title: str, first: bool = False) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    ws.sheet_view.rightToLeft = True
    return ws


def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(horizontal="center", wrap_text=True)


def _put(ws: Worksheet, row: int, col: int, key: str, value: Any) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    cell.number_format = FORMATS[render.kind(key)]


def _headline(wb: Workbook, report: dict[str, Any]) -> None:
    ws = _sheet(wb, SHEETS["headline"], first=True)
    ws["A1"] = text("title") + (f" — {text('demo')}" if report.get("demo") else "")
    ws["A1"].font = Font(bold=True, size=14)
    hijri, greg = render.period_text(report)
    ws["A2"], ws["B2"] = text("hijri"), hijri
    ws["A3"], ws["B3"] = text("gregorian"), greg
    ws["A4"], ws["B4"] = text("filters"), render.filters_text(report)
    ws["A5"], ws["B5"] = text("generated_at"), report.get("generated_at")
    _header(ws, 7, [text("indicator"), text("value"), text("previous"), text("change"), "key"])
    for i, row in enumerate(render.headline_rows(report), start=8):
        ws.cell(row=i, column=1, value=row["label"])
        _put(ws, i, 2, row["key"], row["value"])
        _put(ws, i, 3, row["key"], row["previous"])
        ws.cell(row=i, column=4, value=row["change"])
        ws.cell(row=i, column=5, value=row["key"])  # the JSON key, for tools that read the workbook
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 30
    for col in "CDE":
        ws.column_dimensions[col].width = 18


def _branches(wb: Workbook, report: dict[str, Any]) -> None:
    ws = _sheet(wb, SHEETS["branches"])
    cols = list(render.BRANCH_COLUMNS)
    _header(ws, 1, [label("filter_names", "branch")] + [label("kpis", c) for c in cols])
    rows = render.branch_rows(report)
    for i, row in enumerate(rows, start=2):
        ws.cell(row=i, column=1, value=row["label"])
        for j, col in enumerate(cols, start=2):
            _put(ws, i, j, col, row[col])
    ws.column_dimensions["A"].width = 28
    if rows:
        chart = BarChart()
        chart.type, chart.title = "bar", label("kpis", "conversations")
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(rows) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
        ws.add_chart(chart, f"A{len(rows) + 4}")


def _complaints(wb: Workbook, report: dict[str, Any]) -> None:
    ws = _sheet(wb, SHEETS["complaints"])
    cols = labels()["columns"]
    _header(ws, 1, [cols["reason"], cols["count"], cols["share"], cols["examples"]])
    row_n = 2
    for row in render.complaint_rows(report):
        ws.cell(row=row_n, column=1, value=row["label"])
        _put(ws, row_n, 2, "count", row["count"])
        _put(ws, row_n, 3, "share_rate", row["share"])
        ws.cell(row=row_n, column=4, value="\n".join(row["examples"])).alignment = Alignment(wrap_text=True)
        row_n += 1
    row_n += 1
    _header(ws, row_n, [cols["service"], cols["count"]])
    for item in report["complaints"].get("by_service", []):
        row_n += 1
        ws.cell(row=row_n, column=1, value=item["service"] or text("unknown"))
        _put(ws, row_n, 2, "count", item["count"])
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["D"].width = 70


def _callbacks(wb: Workbook, report: dict[str, Any]) -> None:
    ws = _sheet(wb, SHEETS["callbacks"])
    _header(ws, 1, [text("indicator"), text("value")])
    for i, row in enumerate(render.callback_rows(report), start=2):
        ws.cell(row=i, column=1, value=row["label"])
        _put(ws, i, 2, row["key"], row["value"])
    row_n = len(render.callback_rows(report)) + 3
    for group in ("by_result", "by_reason"):
        _header(ws, row_n, [label("callbacks", group), labels()["columns"]["count"]])
        for key, n in (report["callbacks"].get(group) or {}).items():
            row_n += 1
            ws.cell(row=row_n, column=1, value=label("results" if group == "by_result" else "reasons", key))
            _put(ws, row_n, 2, "count", n)
        row_n += 2
    ws.column_dimensions["A"].width = 44


def _daily(wb: Workbook, report: dict[str, Any]) -> None:
    ws = _sheet(wb, SHEETS["daily"])
    days = report["series"].get("day", [])
    keys = [k for k in (days[0] if days else {}) if k not in ("date", "hijri")]
    cols = labels()["columns"]
    _header(ws, 1, [cols["date"], cols["hijri"]] + [label("kpis", k) for k in keys])
    for i, day in enumerate(days, start=2):
        ws.cell(row=i, column=1, value=day["date"])
        ws.cell(row=i, column=2, value=day.get("hijri"))
        for j, key in enumerate(keys, start=3):
            _put(ws, i, j, key, day.get(key))
    for col in "AB":
        ws.column_dimensions[col].width = 16
    if days and "conversations" in keys:
        chart = LineChart()
        chart.title, chart.height, chart.width = label("kpis", "conversations"), 8, 24
        col = keys.index("conversations") + 3
        chart.add_data(Reference(ws, min_col=col, min_row=1, max_row=len(days) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(days) + 1))
        ws.add_chart(chart, f"{get_column_letter(len(keys) + 4)}2")


def xlsx_bytes(report: dict[str, Any]) -> bytes:
    wb = Workbook()
    for part in (_headline, _branches, _complaints, _callbacks, _daily):
        part(wb, report)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
