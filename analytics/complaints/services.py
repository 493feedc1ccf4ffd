"""Which service a text names, from the word lists of data/services.yaml (one per corpus file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from analytics.complaints.text import PhraseMatcher, TextPreparer

SERVICES_FILE = Path(__file__).with_name("data") / "services.yaml"


@dataclass(frozen=True)
class Service:
    id: str
    name: str


class ServiceFinder:
    def __init__(self, prep: TextPreparer, path: Path = SERVICES_FILE) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.services = [Service(sid, str(d["name"])) for sid, d in raw.items()]
        self.matchers = [PhraseMatcher(prep, d["names"]) for d in raw.values()]

    def find(self, toks: tuple[str, ...]) -> Service | None:
        """The service named most often; the one named first on a tie; None when none is named."""
        best: tuple[int, int] | None = None
        found = None
        for service, matcher in zip(self.services, self.matchers, strict=True):
            pos = matcher.positions(toks)
            if pos:
                key = (-len(pos), min(pos))
                if best is None or key < best:
                    best, found = key, service
        return found
