"""One log format across services, with request and conversation ids on every line."""

from __future__ import annotations

import json
import logging

import pytest

from common import logs


@pytest.fixture(autouse=True)
def _restore_root_logger():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_service_and_context_ids(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("handoff", fmt="json")
    token_r = logs.request_id.set("req-1")
    token_c = logs.conversation_id.set("conv-9")
    try:
        logging.getLogger("handoff.test").info("message stored", extra={"seq": 4})
    finally:
        logs.request_id.reset(token_r)
        logs.conversation_id.reset(token_c)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["service"] == "handoff"
    assert line["request_id"] == "req-1"
    assert line["conversation_id"] == "conv-9"
    assert line["msg"] == "message stored"
    assert line["seq"] == 4


def test_text_format_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_logging("actions", fmt="text")
    logging.getLogger("actions.x").warning("kb failed")
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "WARNING" in err and "actions" in err and "conv=-" in err and "kb failed" in err
