"""Frame parsing: what the gateway accepts and the error code it answers otherwise.

The validation is derived from the frame TypedDicts of handoff/protocol.py; the last tests build frames of
their own to show that each kind of field declaration is enforced as declared.
"""

from __future__ import annotations

import json
from typing import Literal, NotRequired, TypedDict

import pytest

from handoff.errors import ProtocolError
from handoff.fields import Count, Id, LongText, Name, Ref, Score, Short, Text
from handoff.frames import AGENT_FRAMES, CITIZEN_FRAMES, FrameSet, Routes, parse_frame, route


def code_of(raw: str, frames=CITIZEN_FRAMES) -> str:
    with pytest.raises(ProtocolError) as err:
        parse_frame(raw, frames)
    return err.value.code


def test_valid_frames_are_trimmed_and_extra_fields_dropped() -> None:
    frame = parse_frame(json.dumps({"type": "message", "msg_id": "m1", "text": "  مرحبا  ", "evil": 1}), CITIZEN_FRAMES)
    assert frame == {"type": "message", "msg_id": "m1", "text": "مرحبا"}
    claim = parse_frame('{"type":"claim","conversation_id":"c_1","ref":"r9"}', AGENT_FRAMES)
    assert claim == {"type": "claim", "conversation_id": "c_1", "ref": "r9"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{oops", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"text": "no type"}', "unknown_type"),
        ('{"type": "message", "msg_id": "m1"}', "invalid_frame"),
        ('{"type": "message", "msg_id": "m1", "text": "   "}', "invalid_frame"),
        ('{"type": "message", "msg_id": "m1", "text": 5}', "invalid_frame"),
        ('{"type": "csat", "msg_id": "m1", "score": 6}', "invalid_frame"),
        ('{"type": "csat", "msg_id": "m1", "score": true}', "invalid_frame"),
        ('{"type": "feedback", "msg_id": "m1", "seq": 2, "value": "meh"}', "invalid_frame"),
        ('{"type": "resume", "conversation_id": "c_1", "token": "t", "last_seq": -1}', "invalid_frame"),
    ],
)
def test_refusals(raw: str, code: str) -> None:
    assert code_of(raw) == code


def test_size_limits() -> None:
    # 1001 Arabic letters: 2 KB in UTF-8, under the frame limit but over the 1000-character text limit.
    long_text = json.dumps({"type": "message", "msg_id": "m1", "text": "ب" * 1001}, ensure_ascii=False)
    assert code_of(long_text) == "invalid_frame"
    big = json.dumps({"type": "message", "msg_id": "m1", "text": "a" * 5000})
    assert code_of(big) == "too_large"


def test_error_keeps_the_msg_id_so_the_client_knows_which_frame_failed() -> None:
    with pytest.raises(ProtocolError) as err:
        parse_frame('{"type": "message", "msg_id": "m-7", "text": ""}', CITIZEN_FRAMES)
    assert err.value.msg_id == "m-7"


def test_the_two_sockets_accept_the_frames_docs_protocol_md_lists() -> None:
    assert set(CITIZEN_FRAMES.fields) == {
        "start", "resume", "message", "button", "feedback", "request_human", "cancel_wait", "leave_message",
        "csat", "followup_contact", "typing", "locale", "ping"}
    assert set(AGENT_FRAMES.fields) == {
        "auth", "presence", "heartbeat", "get_queue", "claim", "open", "message", "typing", "resolve",
        "return_to_bot", "list_agents", "transfer", "list_callbacks", "callback_done", "ping"}


# ---- the derivation itself: one frame declaring one field of each kind ----------------------------------


class ProbeFrame(TypedDict):
    type: Literal["probe"]
    ref: NotRequired[Ref]
    msg_id: Id
    text: Text
    name: Name
    token: Short
    note: NotRequired[LongText]
    seq: Count
    score: Score
    flag: bool
    colour: Literal["أحمر", "green"]


PROBES: FrameSet[ProbeFrame] = FrameSet(ProbeFrame)
GOOD = {"type": "probe", "msg_id": "p-1", "text": " سؤال ", "name": "سارة", "token": "t0k", "seq": 0, "score": 5,
        "flag": False, "colour": "أحمر"}


def probe(**changes: object) -> ProbeFrame:
    return parse_frame(json.dumps({**GOOD, **changes}, ensure_ascii=False), PROBES)


def refusal(**changes: object) -> str:
    with pytest.raises(ProtocolError) as err:
        probe(**changes)
    assert err.value.code == "invalid_frame" and err.value.msg_id == changes.get("msg_id", "p-1")
    return err.value.message


def test_a_frame_meeting_its_declaration_comes_back_typed_and_cleaned() -> None:
    frame = probe(note="", ref="r-1", extra="dropped")
    assert frame == {**GOOD, "text": "سؤال", "note": "", "ref": "r-1"}
    assert "note" not in probe() and "ref" not in probe(ref="x" * 65)  # a bad ref is dropped, not refused


@pytest.mark.parametrize("field", ["msg_id", "text", "name", "token", "seq", "score", "flag", "colour"])
def test_each_required_field_is_required(field: str) -> None:
    assert refusal(**{field: None}) == f"field {field!r} is required"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("msg_id", "م-1", "1-64 characters of A-Z a-z 0-9 _ -"),
        ("msg_id", "a" * 65, "1-64 characters"),
        ("text", "ب" * 1001, "1-1000 characters"),
        ("text", " \u202e ", "1-1000 characters"),  # nothing left once cleaned
        ("name", "س" * 101, "1-100 characters"),
        ("token", "t" * 257, "1-256 characters"),
        ("token", 7, "a string"),
        ("note", "ن" * 1001, "0-1000 characters"),
        ("seq", -1, "a non-negative integer"),
        ("seq", 1.5, "a non-negative integer"),
        ("score", 0, "an integer from 1 to 5"),
        ("score", True, "an integer from 1 to 5"),
        ("flag", "yes", "true or false"),
        ("colour", "blue", "one of أحمر, green"),
    ],
)
def test_each_field_kind_refuses_what_its_declaration_excludes(field: str, value: object, says: str) -> None:
    assert says in refusal(**{field: value})


def test_a_field_without_declared_limits_is_refused_when_the_frame_set_is_built() -> None:
    class Loose(TypedDict):
        type: Literal["loose"]
        text: str  # how long? the declaration must say

    with pytest.raises(TypeError, match=r"handoff\.fields"):
        FrameSet(Loose)


def test_routes_must_cover_every_frame_once() -> None:
    async def on_probe(session: object, frame: ProbeFrame) -> None:
        return None

    assert Routes(PROBES, route(ProbeFrame, on_probe)).handlers == {"probe": on_probe}
    with pytest.raises(TypeError, match="must cover"):
        Routes(CITIZEN_FRAMES, route(ProbeFrame, on_probe))
