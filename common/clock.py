"""The one clock format of the services: ISO-8601 UTC with a ``Z`` (``2026-11-25T12:40:03.120Z``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

Timespec = Literal["auto", "seconds", "milliseconds", "microseconds"]


def iso_at(ts: float, timespec: Timespec = "auto") -> str:
    """A Unix timestamp in the same format (expiries, due times); ``auto`` drops a zero fraction."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


def now_iso(timespec: Timespec = "milliseconds") -> str:
    """Now, to the millisecond by default: conversations, queue entries and analytics events. The FAQ
    store keeps seconds for ``updated_at`` and microseconds where two edits in one second are compared."""
    return iso_at(time.time(), timespec)
