"""The XLSX opens, every sheet is right-to-left, and its figures equal the report JSON's."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from analytics import render
from analytics.labels import label
from analytics.xlsx_report import SHEETS, xlsx_bytes
from tests.dashboard.sample import sample_report


@pytest.fixture(scope="module")
def report() -> dict:
    return sample_report()


@pytest.fixture(scope="module")
def workbook(report):
    return load_workbook(io.BytesIO(xlsx_bytes(report)))


def test_sheets_are_arabic_and_right_to_left(workbook) -> None:
    assert workbook.sheetnames == list(SHEETS.values())
    assert all(ws.sheet_view.rightToLeft for ws in workbook.worksheets)


def test_headline_figures_equal_the_json(workbook, report) -> None:
    ws = workbook[SHEETS["headline"]]
    rows = {ws.cell(row=r, column=5).value: r for r in range(8, ws.max_row + 1)}
    assert set(rows) == set(render.HEADLINE)
    for key, r in rows.items():
        assert ws.cell(row=r, column=1).value == label("kpis", key)
        assert ws.cell(row=r, column=2).value == report["kpis"][key], key
        assert ws.cell(row=r, column=3).value == report["previous"][key], key
    r = rows["self_service_rate"]
    assert ws.cell(row=r, column=2).number_format == "0.0%"
    assert ws.cell(row=r, column=4).value == "\u2066+5.7\u2069 نقطة"
    assert "الربع الثاني 1448" in ws["B2"].value and "2026-12-31" in ws["B3"].value


def test_branch_complaint_and_callback_figures(workbook, report) -> None:
    ws = workbook[SHEETS["branches"]]
    for i, item in enumerate(report["breakdowns"]["branch"], start=2):
        got = [ws.cell(row=i, column=j).value for j in range(2, 2 + len(render.BRANCH_COLUMNS))]
        assert got == [item[c] for c in render.BRANCH_COLUMNS]
    assert ws._charts, "the branch sheet carries a chart"
    ws = workbook[SHEETS["complaints"]]
    by_reason = report["complaints"]["by_reason"]
    assert [ws.cell(row=i, column=2).value for i in range(2, 2 + len(by_reason))] == [r["count"] for r in by_reason]
    assert "[رقم جوال]" in ws.cell(row=2, column=4).value
    ws = workbook[SHEETS["callbacks"]]
    values = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=2).value for i in range(2, 7)}
    assert values[label("callbacks", "within_sla")] == 28
    assert values[label("kpis", "callback_sla_rate")] == report["kpis"]["callback_sla_rate"]


def test_daily_series_and_demo_title(report) -> None:
    wb = load_workbook(io.BytesIO(xlsx_bytes(sample_report(demo=True))))
    assert "بيانات تجريبية" in wb[SHEETS["headline"]]["A1"].value
    ws = wb[SHEETS["daily"]]
    assert ws.cell(row=2, column=1).value == "2026-10-01" and ws.cell(row=2, column=2).value == "1448-04-09"
    assert ws.cell(row=2, column=3).value == report["series"]["day"][0]["conversations"]
    assert ws._charts, "the daily sheet carries a trend chart"


def test_empty_report_still_opens() -> None:
    empty = sample_report(series={"day": [], "week": [], "month": []},
                          breakdowns={"branch": []}, complaints={"total": 0, "by_reason": [], "by_service": []})
    empty["kpis"] = {k: None for k in empty["kpis"]}
    wb = load_workbook(io.BytesIO(xlsx_bytes(empty)))
    assert wb[SHEETS["headline"]].cell(row=8, column=2).value is None
