"""Redis replies as text: the knowledge base's clients read raw bytes (``decode_responses=False``)."""

from __future__ import annotations

from typing import Any


def as_str(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)
