"""Learning from use: questions whose right entry a person confirmed, offered to editors as alternatives.

Evidence, recorded as it happens (masked with pii.mask, like unanswered questions):
- a citizen picks an entry among the "هل تقصد" options (undone if they then give that answer 👎);
- an agent inserts an FAQ answer into a reply after a handoff (the question is the citizen's last
  message before the handoff);
- an agent marks that question as not covered by the FAQ ("outside"): with the picks, the labelled
  questions from which the answer threshold can be set for this corpus (`labelled`,
  faqs/local_threshold.py), again only when an editor applies it;
- an editor imports a file of questions already labelled elsewhere (a call centre's log, a pilot week:
  faqs/labels_import.py), each with its entry or none, so a new deployment need not wait for use.
`suggestions` groups them by (entry, question) with the evidence: how many citizens, which agents, how many
imported rows.
Nothing reaches the live index until an editor clicks "add as alternative" (handoff/editor), which
saves the entry through the FAQ store like any edit (audited, versioned, reindexed).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from common.pii import mask
from common.redistext import as_str
from knowledge_base.engine.normalize import fold, words
from knowledge_base.faqs.keys import KbKeys, keys_or_env

Source = Literal["citizen", "agent", "import"]
KINDS = ("pick", "reject", "outside")
SOURCES = ("citizen", "agent", "import")
STREAM_MAXLEN = 50_000
MAX_TEXT = 300          # an alternative is a question, not a letter
MIN_WORDS = 2           # "نعم" or a lone number teaches nothing


@dataclass(frozen=True)
class Evidence:
    kind: str            # "pick", "reject" or "outside" (entry_id "": no entry answers it)
    entry_id: str
    text: str            # masked
    source: str          # citizen | agent | import
    by: str              # conversation id (citizen), agent username, or the editor who imported the file
    conversation_id: str
    at: str


@dataclass(frozen=True)
class Suggestion:
    key: str
    entry_id: str
    text: str
    citizens: int
    agents: tuple[str, ...]
    last_at: str
    imported: int = 0    # rows of imported files

    @property
    def weight(self) -> int:
        return self.citizens + 2 * len(self.agents) + self.imported  # an agent read the whole conversation

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "entry_id": self.entry_id, "text": self.text, "citizens": self.citizens,
                "agents": list(self.agents), "imported": self.imported, "last_at": self.last_at}




def folded(text: str) -> str:
    """The text as questions are compared: folded words, punctuation and spacing gone."""
    return " ".join(words(fold(text)))


def _withdrawn(evidence: Iterable[Evidence]) -> set[tuple[str, str]]:
    """(conversation, entry) pairs whose answer got a 👎 after the pick."""
    return {(e.conversation_id, e.entry_id) for e in evidence if e.kind == "reject"}


def suggestion_key(entry_id: str, text: str) -> str:
    return hashlib.sha256(f"{entry_id}\0{folded(text)}".encode()).hexdigest()[:16]


def clean_question(text: str) -> str | None:
    """The masked question, or None when it is too short to teach anything or a button payload."""
    text = " ".join(str(text).split())
    if not text or text.startswith("/") or len(words(text)) < MIN_WORDS:
        return None
    return mask(text)[:MAX_TEXT]


async def record(redis: Any, *, kind: str, entry_id: str, text: str = "", source: str = "citizen",
                 by: str = "", conversation_id: str = "", keys: KbKeys | None = None) -> str | None:
    """Append one piece of evidence; None when there is nothing to learn (short or empty question)."""
    if kind not in KINDS or source not in SOURCES or bool(entry_id) == (kind == "outside"):
        raise ValueError(f"bad evidence: kind={kind!r} source={source!r} entry_id={entry_id!r}")
    masked = clean_question(text) if kind != "reject" else ""
    if kind != "reject" and masked is None:
        return None
    fields = {"kind": kind, "entry_id": entry_id, "text": masked or "", "source": source, "by": by,
              "conversation_id": conversation_id, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    return as_str(await redis.xadd(keys_or_env(keys).learned, fields, maxlen=STREAM_MAXLEN, approximate=True))


def suggestions(evidence: Iterable[Evidence], known: dict[str, set[str]], done: set[str]) -> list[Suggestion]:
    """Group picks by (entry, question), strongest evidence first. `known`: entry id → the folded texts it
    already has (question and alternatives); entries not in it (deleted) and texts they already have are
    left out, as are `done` keys and citizen picks their citizen then rejected."""
    rejected = _withdrawn(evidence)
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"citizens": set(), "agents": set(), "imported": 0,
                                                             "last": ""})
    texts: dict[str, tuple[str, str]] = {}
    for e in evidence:
        if e.kind != "pick" or e.entry_id not in known:
            continue
        if e.source == "citizen" and (e.conversation_id, e.entry_id) in rejected:
            continue
        if folded(e.text) in known[e.entry_id]:
            continue
        key = suggestion_key(e.entry_id, e.text)
        if key in done:
            continue
        g = groups[key]
        if e.source == "import":
            g["imported"] += 1
        else:
            g["citizens" if e.source == "citizen" else "agents"].add(
                e.conversation_id if e.source == "citizen" else e.by)
        g["last"] = max(g["last"], e.at)
        texts.setdefault(key, (e.entry_id, e.text))
    out = [Suggestion(k, texts[k][0], texts[k][1], len(g["citizens"]), tuple(sorted(g["agents"])), g["last"],
                      g["imported"]) for k, g in groups.items()]
    out.sort(key=lambda s: s.last_at, reverse=True)
    out.sort(key=lambda s: s.weight, reverse=True)  # stable: strongest first, newest first among equals
    return out


def labelled(evidence: Iterable[Evidence], entries: Iterable[Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """(in-scope (question, entry id) pairs, out-of-scope questions), each question once: the picks that
    stand (not withdrawn, entry among the `entries` served) and the agents' "outside" marks; a question
    labelled both ways is left out (two people disagreed), and so is an "outside" question an editor has
    since added to the FAQ (an entry's question or alternative): it is no longer out of scope."""
    evidence, entries = list(evidence), list(entries)
    served = {e.id for e in entries}
    covered = set().union(*known_texts(entries).values())
    rejected = _withdrawn(evidence)
    inside: dict[str, tuple[str, str]] = {}
    outside: dict[str, str] = {}
    for e in evidence:
        key = folded(e.text)
        if e.kind == "outside" and key not in covered:
            outside.setdefault(key, e.text)
        elif e.kind == "pick" and e.entry_id in served and (e.conversation_id, e.entry_id) not in rejected:
            inside.setdefault(key, (e.text, e.entry_id))
    both = inside.keys() & outside.keys()
    return ([v for k, v in inside.items() if k not in both], [v for k, v in outside.items() if k not in both])


def known_texts(entries: Iterable[Any]) -> dict[str, set[str]]:
    return {e.id: {folded(t) for t in (e.question, *e.alternatives)} for e in entries}


async def read_evidence(redis: Any, keys: KbKeys | None = None, limit: int = 20_000) -> list[Evidence]:
    rows = await redis.xrevrange(keys_or_env(keys).learned, count=limit)
    out = []
    for _sid, fields in reversed(rows):
        f = {as_str(k): as_str(v) for k, v in fields.items()}
        out.append(Evidence(f.get("kind", ""), f.get("entry_id", ""), f.get("text", ""), f.get("source", ""),
                            f.get("by", ""), f.get("conversation_id", ""), f.get("at", "")))
    return out


async def done_keys(redis: Any, keys: KbKeys | None = None) -> set[str]:
    return {as_str(x) for x in await redis.smembers(keys_or_env(keys).learned_done)}


async def mark_done(redis: Any, suggestion_keys: list[str], keys: KbKeys | None = None) -> int:
    return int(await redis.sadd(keys_or_env(keys).learned_done, *suggestion_keys)) if suggestion_keys else 0
