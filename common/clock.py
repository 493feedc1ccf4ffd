"""The one clock format of the services: ISO-8601 UTC with a ``Z`` (``2026-11-25T12:40:03.120Z``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal


def now_iso(timespec: Literal["seconds", "milliseconds", "microseconds"] = "milliseconds") -> str:
    """Now, to the millisecond by default: conversations, queue entries and analytics events. The FAQ
    store keeps seconds for ``updated_at`` and microseconds where two edits in one second are compared."""
    return datetime.now(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
