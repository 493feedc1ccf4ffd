"""What a field of an incoming frame accepts, written once as ``Annotated`` metadata on the frame's TypedDict.

``handoff.protocol`` declares the frames with these aliases; ``handoff.frames`` reads them back
(``get_type_hints(..., include_extras=True)``) to validate what a client sends. A bare ``str`` or ``int``
in an incoming frame is refused when the frame set is built: every field must say its limits here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

MAX_TEXT_CHARS = 1000


@dataclass(frozen=True)
class Chars:
    """Client-written text: cleaned (``frames.clean_text``), then at most ``limit`` characters, and not
    empty unless ``may_be_empty``."""

    limit: int
    may_be_empty: bool = False


@dataclass(frozen=True)
class IdChars:
    """A client-chosen or gateway-made id: 1–64 characters of A–Z a–z 0–9 _ - (never cleaned: an id that
    needs cleaning is not an id)."""


@dataclass(frozen=True)
class Range:
    """A whole number (JSON ``true`` is not one) from ``low`` to ``high`` (None: no upper bound)."""

    low: int = 0
    high: int | None = None


@dataclass(frozen=True)
class Echo:
    """A client correlation string sent back verbatim with the answer or the error: up to ``limit``
    characters, and dropped rather than refused when it is anything else (a client never loses an answer
    over a bad ``ref``)."""

    limit: int


Id = Annotated[str, IdChars()]
Short = Annotated[str, Chars(256)]  # tokens, usernames, button payloads, mobiles before normalisation
Name = Annotated[str, Chars(100)]
Text = Annotated[str, Chars(MAX_TEXT_CHARS)]
LongText = Annotated[str, Chars(MAX_TEXT_CHARS, may_be_empty=True)]  # notes, comments, page context
Count = Annotated[int, Range(0)]  # seqs
Score = Annotated[int, Range(1, 5)]
Ref = Annotated[str, Echo(64)]
