"""Parsing and validation of incoming websocket frames (shapes in ``handoff.protocol``).

Anything malformed becomes a ``ProtocolError`` whose ``code`` is the error code sent back to the client.
"""

from __future__ import annotations

import json
import re
from typing import Any

from handoff.errors import ProtocolError
from handoff.protocol import ErrorFrame

MAX_FRAME_BYTES = 4096
MAX_TEXT_CHARS = 1000
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


# field -> (kind, required). Kinds: id, text, str, int, bool, enum:<a|b>, score, long (<=1000 chars, may be "").
Spec = dict[str, tuple[str, bool]]

CITIZEN_SPECS: dict[str, Spec] = {
    # branch/service/page: where the widget is embedded (data-branch/data-service), for analytics only.
    "start": {"locale": ("enum:ar|en", False), "branch": ("long", False), "service": ("long", False),
              "page": ("long", False)},
    "resume": {"conversation_id": ("id", True), "token": ("str", True), "last_seq": ("int", True)},
    "message": {"msg_id": ("id", True), "text": ("text", True)},
    "button": {"msg_id": ("id", True), "payload": ("str", True), "title": ("long", True)},
    "feedback": {"msg_id": ("id", True), "seq": ("int", True), "value": ("enum:up|down", True)},
    "request_human": {"msg_id": ("id", True)},
    "cancel_wait": {"msg_id": ("id", True)},
    "leave_message": {
        "msg_id": ("id", True),
        "name": ("name", True),
        "mobile": ("str", True),
        "message": ("text", True),
        "callback": ("bool", False),
    },
    "csat": {"msg_id": ("id", True), "score": ("score", True), "comment": ("long", False)},
    # The follow-up number step after a CSAT of 1–2: a mobile with consent, or neither (declined).
    "followup_contact": {"msg_id": ("id", True), "mobile": ("str", False), "consent": ("bool", False)},
    "typing": {"active": ("bool", True)},
    "locale": {"locale": ("enum:ar|en", True)},
    "ping": {},
}

_CID = ("id", True)
AGENT_SPECS: dict[str, Spec] = {
    "auth": {"token": ("str", True)},
    "presence": {"status": ("enum:online|away", True)},
    "heartbeat": {},
    "get_queue": {},
    "claim": {"conversation_id": _CID},
    "open": {"conversation_id": _CID, "after_seq": ("int", False)},
    "message": {"conversation_id": _CID, "msg_id": ("id", True), "text": ("text", True)},
    "typing": {"conversation_id": _CID, "active": ("bool", True)},
    "resolve": {"conversation_id": _CID, "outcome": ("enum:resolved|unresolved|referred|spam", True),
                "note": ("long", False)},
    "return_to_bot": {"conversation_id": _CID},
    "list_agents": {},
    "transfer": {"conversation_id": _CID, "to": ("str", True)},
    "list_callbacks": {},
    "callback_done": {"callback_id": ("id", True)},
    "ping": {},
}


def _check(name: str, kind: str, value: Any) -> Any:
    bad = ProtocolError("invalid_frame", f"field {name!r} must be {kind.split(':')[0]}")
    if kind == "id":
        if not isinstance(value, str) or not _ID_RE.match(value):
            raise ProtocolError("invalid_frame", f"field {name!r} must be 1-64 characters of A-Z a-z 0-9 _ -")
        return value
    if kind in {"str", "text", "name", "long"}:
        if not isinstance(value, str):
            raise bad
        value = clean_text(value)
        limit = {"str": 256, "text": MAX_TEXT_CHARS, "name": 100, "long": MAX_TEXT_CHARS}[kind]
        if len(value) > limit or (kind != "long" and not value):
            raise ProtocolError("invalid_frame", f"field {name!r} must be 1-{limit} characters")
        return value
    if kind in {"int", "score"}:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProtocolError("invalid_frame", f"field {name!r} must be a non-negative integer")
        if kind == "score" and not 1 <= value <= 5:
            raise ProtocolError("invalid_frame", f"field {name!r} must be an integer from 1 to 5")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad
        return value
    choices = kind.split(":", 1)[1].split("|")
    if value not in choices:
        raise ProtocolError("invalid_frame", f"field {name!r} must be one of {', '.join(choices)}")
    return value


def parse_frame(raw: str | bytes, specs: dict[str, Spec], max_bytes: int = MAX_FRAME_BYTES) -> dict[str, Any]:
    """Decode and validate one frame; unknown extra fields are dropped. Raises ``ProtocolError``."""
    size = len(raw.encode("utf-8") if isinstance(raw, str) else raw)
    if size > max_bytes:
        raise ProtocolError("too_large", f"frame is {size} bytes; the limit is {max_bytes}")
    data = decode_json(raw)
    if not isinstance(data, dict):
        raise ProtocolError("bad_json", "frame must be a JSON object")
    msg_id = data.get("msg_id") if isinstance(data.get("msg_id"), str) else None
    ref = data.get("ref") if isinstance(data.get("ref"), str) and len(data["ref"]) <= 64 else None
    kind = data.get("type")
    spec = specs.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise ProtocolError("unknown_type", f"unknown frame type {str(kind)[:40]!r}", msg_id, ref)
    frame: dict[str, Any] = {"type": kind}
    if ref is not None:
        frame["ref"] = ref
    for name, (field_kind, required) in spec.items():
        if name not in data or data[name] is None:
            if required:
                raise ProtocolError("invalid_frame", f"field {name!r} is required", msg_id, ref)
            continue
        try:
            frame[name] = _check(name, field_kind, data[name])
        except ProtocolError as exc:
            exc.msg_id, exc.ref = msg_id, ref
            raise
    return frame


def error_frame(exc: ProtocolError) -> ErrorFrame:
    frame: ErrorFrame = {"type": "error", "code": exc.code, "message": exc.message}
    if exc.msg_id is not None:
        frame["msg_id"] = exc.msg_id
    if exc.ref is not None:
        frame["ref"] = exc.ref
    return frame
