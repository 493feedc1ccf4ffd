"""Redis string replies as text, checked.

The gateway's client returns bytes (``decode_responses=False``); redis-py's types cannot know that and say
``bytes | str | ...``. Decoding through ``text`` keeps mypy honest: anything but a string reply is a bug.
"""

from __future__ import annotations


def text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a Redis string reply, got {type(value).__name__}")
