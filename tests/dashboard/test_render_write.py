"""``analytics.report_file.write``: what ``python -m analytics report --format xlsx|pdf`` writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from analytics import render, report_file
from analytics.pdf_report import PdfUnavailable
from tests.dashboard.sample import sample_report


def test_write_xlsx_to_a_file(tmp_path: Path) -> None:
    path = report_file.write(sample_report(), "xlsx", str(tmp_path / "q4.xlsx"))
    assert load_workbook(path)["الملخص"]["B8"].value == 1240


def test_write_pdf_without_chromium_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PdfUnavailable, match="apt-get install chromium"):
        report_file.write(sample_report(), "pdf", str(tmp_path / "q4.pdf"), chromium=str(tmp_path / "none"))


def test_period_last_day_for_both_forms() -> None:
    assert render.last_day("2026-12-31") == "2026-12-31"
    assert render.last_day("2027-01-01T00:00:00+03:00") == "2026-12-31"
