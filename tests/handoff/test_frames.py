"""Frame parsing: what the gateway accepts and the error code it answers otherwise."""

from __future__ import annotations

import json

import pytest

from handoff.errors import ProtocolError
from handoff.frames import AGENT_SPECS, CITIZEN_SPECS, parse_frame


def code_of(raw: str, specs=CITIZEN_SPECS) -> str:
    with pytest.raises(ProtocolError) as err:
        parse_frame(raw, specs)
    return err.value.code


def test_valid_frames_are_trimmed_and_extra_fields_dropped() -> None:
    frame = parse_frame(json.dumps({"type": "message", "msg_id": "m1", "text": "  مرحبا  ", "evil": 1}), CITIZEN_SPECS)
    assert frame == {"type": "message", "msg_id": "m1", "text": "مرحبا"}
    claim = parse_frame('{"type":"claim","conversation_id":"c_1","ref":"r9"}', AGENT_SPECS)
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
        parse_frame('{"type": "message", "msg_id": "m-7", "text": ""}', CITIZEN_SPECS)
    assert err.value.msg_id == "m-7"
