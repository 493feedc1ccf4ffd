"""One log format for every service: human-readable by default, JSON lines with LOG_FORMAT=json.

Request and conversation ids come from context variables, so every line written while a request or
a conversation is being handled carries them without threading ids through every call. Message bodies
are personal data: log ids, lengths and decisions at INFO, never the text (use ``pii.mask`` at DEBUG).
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
conversation_id: contextvars.ContextVar[str] = contextvars.ContextVar("conversation_id", default="-")

_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.request_id = request_id.get()
        record.conversation_id = conversation_id.get()
        return True


def _extras(record: logging.LogRecord) -> dict[str, object]:
    skip = _STANDARD_ATTRS | {"service", "request_id", "conversation_id"}
    return {k: v for k, v in vars(record).items() if k not in skip and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": getattr(record, "service", "-"),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "conversation_id": getattr(record, "conversation_id", "-"),
            "msg": record.getMessage(),
        }
        line.update(_extras(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        text = (
            f"{ts}Z {record.levelname:<7} {getattr(record, 'service', '-')} {record.name} "
            f"req={getattr(record, 'request_id', '-')} conv={getattr(record, 'conversation_id', '-')} "
            f"{record.getMessage()}"
        )
        if extras:
            text += f" {extras}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure_logging(service: str, level: str = "INFO", fmt: str = "text") -> None:
    """Install the shared handler on the root logger (idempotent)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Third-party access logs would print URLs with tokens; keep them at WARNING.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
