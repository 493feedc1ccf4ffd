"""The printable report: its HTML shows the JSON's figures, and headless Chromium prints it to a PDF
whose first page is rendered (pdftoppm) and whose text carries the figures (pdftotext)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from analytics import render
from analytics.pdf_report import DEFAULT_CHROMIUM, PdfUnavailable, pdf_bytes, render_html
from tests.dashboard.sample import sample_report


def test_html_carries_headline_branches_complaints_and_callbacks() -> None:
    report = sample_report()
    html = render_html(report)
    assert 'dir="rtl"' in html and "الربع الثاني 1448" in html and "2026-12-31" in html
    for row in render.headline_rows(report):
        assert row["text"] in html and row["previous_text"] in html
    assert "71.2٪" in html and "\u2066+5.7\u2069 نقطة" in html
    assert "جدة - الروضة" in html and "[رقم جوال]" in html and "90.3٪" in html
    assert html.count("<svg") == 3
    assert "بيانات تجريبية" not in html
    assert "بيانات تجريبية" in render_html(sample_report(demo=True))


def test_html_escapes_example_texts() -> None:
    report = sample_report()
    report["complaints"]["by_reason"][0]["examples"] = ["<img src=x onerror=alert(1)>"]
    assert "<img src=x" not in render_html(report)


def test_missing_chromium_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PdfUnavailable, match="CHROMIUM"):
        asyncio.run(pdf_bytes(sample_report(), str(tmp_path / "no-chromium")))


@pytest.mark.browser
def test_pdf_is_printed_and_page_one_renders(tmp_path: Path) -> None:
    if not Path(DEFAULT_CHROMIUM).exists():
        pytest.fail(f"{DEFAULT_CHROMIUM} is missing: `apt-get install -y chromium`")
    if not shutil.which("pdftoppm"):
        pytest.fail("pdftoppm is missing: `apt-get install -y poppler-utils`")
    pdf = asyncio.run(pdf_bytes(sample_report()))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    assert png.stat().st_size > 10_000
    txt = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for figure in ("1,240", "1,010", "71.2", "90.3"):
        assert figure in txt, figure
