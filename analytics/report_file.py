"""The report as a file, for ``python -m analytics report --format xlsx|pdf``.

Apart from render.py because both writers import render: kept there, render would import them back.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from analytics.pdf_report import DEFAULT_CHROMIUM, pdf_bytes
from analytics.xlsx_report import xlsx_bytes


def write(report: dict[str, Any], fmt: str, out: str | None, chromium: str | None = None) -> str:
    """Write the report as ``xlsx`` or ``pdf`` to ``out`` (default: report-<label>.<fmt>); returns the path.
    Used by ``python -m analytics report --format xlsx|pdf``; the dashboard's button serves the same bytes."""
    if fmt == "xlsx":
        body = xlsx_bytes(report)
    elif fmt == "pdf":
        body = asyncio.run(pdf_bytes(report, chromium or os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM))
    else:
        raise ValueError(f"format {fmt!r}: xlsx or pdf")
    label = str(report["period"].get("label") or "period").replace("..", "_").replace(" ", "_")
    path = out or f"report-{label}{'-demo' if report.get('demo') else ''}.{fmt}"
    with open(path, "wb") as f:
        f.write(body)
    return path
