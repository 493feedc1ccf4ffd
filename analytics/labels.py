"""Arabic labels of the report (KPI names, reasons, section titles), read from ``labels_ar.json``.

The text lives in the data file, not in Python, so translators edit one file; the XLSX, the PDF and the
dashboard page (which fetches the same file through ``/api/dashboard/labels``) say the same words."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LABELS_FILE = Path(__file__).with_name("labels_ar.json")


@cache
def labels() -> dict[str, Any]:
    return json.loads(LABELS_FILE.read_text(encoding="utf-8"))


def label(group: str, key: str | None) -> str:
    """The Arabic label of ``key`` in ``group`` (kpis, reasons, results, ...); the key itself when unknown,
    and "غير محدد" for a missing key, so a new value never breaks a report."""
    if key is None or key == "" or key == "unknown":
        return labels()["unknown"]
    return labels().get(group, {}).get(key, key)


def text(key: str) -> str:
    return labels()[key]
