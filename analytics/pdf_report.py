"""The quarterly report as a printable right-to-left PDF: ``report.html`` (Jinja2, charts drawn as SVG on
the server) printed by headless Chromium through Playwright, the same browser the tests drive.

Chromium is optional at run time (the Docker image has none): without it ``pdf_bytes`` raises
``PdfUnavailable``, which the gateway answers with 503 and the CLI with a one-line error."""

from __future__ import annotations

import base64
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from analytics import render, svg_charts
from analytics.labels import label, labels

TEMPLATES = Path(__file__).with_name("templates")
FONTS = Path(__file__).resolve().parent.parent / "handoff" / "static" / "fonts"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CARDS = ("conversations", "self_service_rate", "handoff_answer_rate", "wait_p50_s", "csat_agent", "csat_bot",
         "abandonment_rate", "callback_sla_rate")


class PdfUnavailable(RuntimeError):
    """No Chromium to print with; the message names the fix."""


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


@cache
def fonts_css() -> str:
    """The page's Arabic font, embedded (data: URLs) so the PDF looks the same on a machine without it."""
    css = (FONTS.parent / "fonts.css").read_text(encoding="utf-8")

    def inline(m: re.Match[str]) -> str:
        data = base64.b64encode((FONTS / m.group(1)).read_bytes()).decode()
        return f"url(data:font/woff2;base64,{data})"

    return re.sub(r"url\(fonts/([\w.-]+)\)", inline, css)


def render_html(report: dict[str, Any]) -> str:
    rows = render.headline_rows(report)
    hijri, greg = render.period_text(report)
    cols = [{"key": c, "label": label("kpis", c)} for c in render.BRANCH_COLUMNS]
    branches = [{"label": b["label"], "cells": [render.fmt(c, b[c]) for c in render.BRANCH_COLUMNS]}
                for b in render.branch_rows(report)]
    complaints = [dict(r, share_text=render.fmt("share_rate", r["share"])) for r in render.complaint_rows(report)]
    callbacks = [dict(r, text=render.fmt(r["key"], r["value"])) for r in render.callback_rows(report)]
    by_reason = sorted(report.get("handoff_by_reason", {}).items(), key=lambda kv: -kv[1])
    return _env().get_template("report.html").render(
        t=labels(), fonts_css=fonts_css(), demo=bool(report.get("demo")), period_hijri=hijri, period_greg=greg,
        filters=render.filters_text(report), generated=(report.get("generated_at") or "")[:16].replace("T", " "),
        cards=[r for r in rows if r["key"] in CARDS], headline=rows, branch_cols=cols, branches=branches,
        complaints=complaints, callbacks=callbacks,
        trend_svg=svg_charts.trend(report["series"].get("day", []), "conversations", "self_service_rate"),
        handoff_svg=svg_charts.hbars([(label("handoff_reasons", k), v, f"{v:,}") for k, v in by_reason]),
        complaints_svg=svg_charts.hbars([(r["label"], r["count"], f"{r['count']:,}") for r in complaints]),
    )


async def pdf_bytes(report: dict[str, Any], chromium: str = DEFAULT_CHROMIUM) -> bytes:
    """Print the report with headless Chromium (A4, backgrounds on)."""
    if not os.path.isfile(chromium):  # noqa: ASYNC240 - one stat, before any await
        raise PdfUnavailable(f"PDF export needs Chromium at {chromium} (CHROMIUM): `apt-get install chromium`; "
                             "the XLSX export works without it")
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    html = render_html(report)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium,
                                               args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                page = await browser.new_page()
                # The page loads nothing: fonts are inline, charts are SVG; any request is refused.
                await page.route("**/*", lambda route: route.abort())
                await page.set_content(html, wait_until="load")
                await page.evaluate("document.fonts.ready.then(() => true)")
                return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                await browser.close()
    except PlaywrightError as exc:
        raise PdfUnavailable(f"Chromium at {chromium} could not print the report: {exc}".splitlines()[0]) from None
