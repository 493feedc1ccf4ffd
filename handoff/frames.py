"""Parsing and validation of incoming websocket frames, derived from their TypedDicts in ``handoff.protocol``.

Each field's declared type says what it accepts (a ``handoff.fields`` alias, ``bool`` or a ``Literal``);
``FrameSet`` reads those declarations once, ``parse_frame`` returns the typed frame, and ``Routes`` pairs
every frame with its handler. Anything malformed becomes a ``ProtocolError`` whose ``code`` is the error
code sent back to the client.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, Generic, Literal, NotRequired, TypeVar, cast, get_args, get_origin, get_type_hints

from handoff.errors import ProtocolError
from handoff.fields import MAX_TEXT_CHARS as MAX_TEXT_CHARS
from handoff.fields import Chars, Echo, IdChars, Range, Ref
from handoff.protocol import AgentFrame, CitizenFrame, ErrorFrame

MAX_FRAME_BYTES = 4096
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# C0/C1 controls except tab and newline, and the bidi embeddings, overrides and isolates (U+202A-202E,
# U+2066-2069): an override makes a name or a number display reversed to the agent ("0551" read as "1550").
# The bidi marks (U+200E/F, U+061C) stay: they only nudge neutral characters, and Arabic text needs them.
_STRIP_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """What every client-written text goes through (websocket fields, HTTP bodies, agent names): controls
    and bidi overrides out, trimmed."""
    return _STRIP_RE.sub("", value).strip()


# ---- parsing ----------------------------------------------------------------------------------------------


def decode_json(raw: str | bytes) -> Any:
    """JSON text -> value, or ``ProtocolError("bad_json")`` for anything that is not clean JSON.

    Besides syntax errors this covers nesting deeper than the parser's recursion limit (``[[[[…]]]]`` in a
    2 KB frame raises RecursionError) and ``\\ud800``-style lone surrogates, which decode fine but cannot
    be written to Redis or sent back as UTF-8. The one decoder for websocket frames and HTTP bodies.
    """
    try:
        data = json.loads(raw)
        if "\\u" in (raw if isinstance(raw, str) else raw.decode("utf-8", "replace")):
            json.dumps(data, ensure_ascii=False).encode("utf-8")  # only an escape can make a lone surrogate
    except (ValueError, RecursionError):  # JSONDecodeError and Unicode{De,En}codeError are ValueErrors
        raise ProtocolError("bad_json", "frame is not valid JSON") from None
    return data


F = TypeVar("F")
S = TypeVar("S")
Check = Callable[[str, object], object]  # (field name, client value) -> clean value | _DROP; or ProtocolError
_DROP = object()
_REF: Echo = get_args(Ref)[1]


def _invalid(name: str, rule: str) -> ProtocolError:
    return ProtocolError("invalid_frame", f"field {name!r} must be {rule}")


def _id(name: str, value: object) -> object:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise _invalid(name, "1-64 characters of A-Z a-z 0-9 _ -")
    return value


def _chars(rule: Chars, name: str, value: object) -> object:
    if not isinstance(value, str):
        raise _invalid(name, "a string")
    value = clean_text(value)
    if len(value) > rule.limit or (not value and not rule.may_be_empty):
        raise _invalid(name, f"{0 if rule.may_be_empty else 1}-{rule.limit} characters")
    return value


def _range(rule: Range, name: str, value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int) or value < rule.low or (
            rule.high is not None and value > rule.high):
        raise _invalid(name, "a non-negative integer" if rule == Range(0) else
                       f"an integer from {rule.low} to {rule.high}")
    return value


def _bool(name: str, value: object) -> object:
    if not isinstance(value, bool):
        raise _invalid(name, "true or false")
    return value


def _enum(choices: tuple[object, ...], name: str, value: object) -> object:
    if value not in choices:
        raise _invalid(name, f"one of {', '.join(map(str, choices))}")
    return value


def _echo(rule: Echo, name: str, value: object) -> object:
    return value if isinstance(value, str) and len(value) <= rule.limit else _DROP


def _check_for(hint: object) -> Check | None:
    """The validation a field's declared type asks for (None: the type says nothing about its limits)."""
    if hint is bool:
        return _bool
    if get_origin(hint) is Literal:
        return functools.partial(_enum, get_args(hint))
    if get_origin(hint) is not Annotated:
        return None
    base, rule = get_args(hint)[:2]
    if isinstance(rule, IdChars) and base is str:
        return _id
    if isinstance(rule, Chars) and base is str:
        return functools.partial(_chars, rule)
    if isinstance(rule, Echo) and base is str:
        return functools.partial(_echo, rule)
    if isinstance(rule, Range) and base is int:
        return functools.partial(_range, rule)
    return None


def frame_type(frame: object) -> str:
    """The ``type`` a frame TypedDict declares (its ``Literal``)."""
    kind = get_type_hints(frame).get("type")
    if get_origin(kind) is not Literal or len(get_args(kind)) != 1:
        raise TypeError(f"{frame!r} needs a field type: Literal[\"<its type>\"]")
    return str(get_args(kind)[0])


def compile_frame(frame: object) -> tuple[tuple[str, bool, Check], ...]:
    """(field, required, check) for each field of a frame TypedDict but ``type``, from its annotations."""
    fields = []
    for name, hint in get_type_hints(frame, include_extras=True).items():
        required = get_origin(hint) is not NotRequired
        check = _check_for(hint if required else get_args(hint)[0])
        if check is None:
            raise TypeError(f"{frame!r}.{name}: declare what it accepts with a handoff.fields alias, bool or "
                            "a Literal")
        if name != "type":
            fields.append((name, required, check))
    return tuple(fields)


class FrameSet(Generic[F]):
    """The frames one socket accepts, from a union of frame TypedDicts (``F``: that union)."""

    def __init__(self, union: object) -> None:
        frames = get_args(union) or (union,)  # a one-frame set is the TypedDict itself
        self.fields = {frame_type(frame): compile_frame(frame) for frame in frames}
        if len(self.fields) != len(frames):
            raise TypeError(f"two frames of {union!r} declare the same type")


CITIZEN_FRAMES: FrameSet[CitizenFrame] = FrameSet(CitizenFrame)
AGENT_FRAMES: FrameSet[AgentFrame] = FrameSet(AgentFrame)


def envelope(data: Mapping[str, object]) -> tuple[str | None, str | None]:
    """(msg_id, ref) of a frame, valid or not: an error names them so the client knows which frame failed."""
    msg_id, ref = data.get("msg_id"), _echo(_REF, "ref", data.get("ref"))
    return (msg_id if isinstance(msg_id, str) else None), (ref if isinstance(ref, str) else None)


def parse_frame(raw: str | bytes, frames: FrameSet[F], max_bytes: int = MAX_FRAME_BYTES) -> F:
    """Decode and validate one frame; unknown extra fields are dropped. Raises ``ProtocolError``."""
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise ProtocolError("too_large", f"frame is {size} bytes; the limit is {max_bytes}")
    data = decode_json(raw)
    if not isinstance(data, dict):
        raise ProtocolError("bad_json", "frame must be a JSON object")
    msg_id, ref = envelope(data)
    kind = data.get("type")
    fields = frames.fields.get(kind) if isinstance(kind, str) else None
    if fields is None:
        raise ProtocolError("unknown_type", f"unknown frame type {str(kind)[:40]!r}", msg_id, ref)
    frame: dict[str, object] = {"type": kind}
    for name, required, check in fields:
        if data.get(name) is None:
            if required:
                raise ProtocolError("invalid_frame", f"field {name!r} is required", msg_id, ref)
            continue
        try:
            value = check(name, data[name])
        except ProtocolError as exc:
            exc.msg_id, exc.ref = msg_id, ref
            raise
        if value is not _DROP:
            frame[name] = value
    return cast(F, frame)  # checked field by field against F's own declaration just above


Route = tuple[str, Callable[[S, Any], Awaitable[None]]]  # (frame type, handler)


def route(frame: Callable[..., F], handler: Callable[[S, F], Awaitable[None]]) -> Route[S]:
    """Pair a frame TypedDict with the session method that handles it; mypy checks that they agree."""
    return frame_type(frame), handler


class Routes(Generic[S]):
    """Which session method handles each frame of a socket's ``FrameSet``: exactly one per frame."""

    def __init__(self, frames: FrameSet[Any], *routes: Route[S]) -> None:
        self.handlers = dict(routes)
        if self.handlers.keys() != frames.fields.keys() or len(routes) != len(self.handlers):
            raise TypeError(f"routes {sorted(self.handlers)} must cover the frames {sorted(frames.fields)} once")

    async def handle(self, session: S, frame: Mapping[str, object]) -> None:
        await self.handlers[str(frame["type"])](session, frame)


def error_frame(exc: ProtocolError) -> ErrorFrame:
    frame: ErrorFrame = {"type": "error", "code": exc.code, "message": exc.message}
    if exc.msg_id is not None:
        frame["msg_id"] = exc.msg_id
    if exc.ref is not None:
        frame["ref"] = exc.ref
    return frame
