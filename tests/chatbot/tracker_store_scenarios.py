"""Run by tests/chatbot/test_tracker_store.py under Rasa's Python (.venv-rasa): the same scenarios against
Rasa's RedisTrackerStore and chatbot/tracker_store.py on a real Redis; prints what each store kept."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from chatbot.tracker_store import WholeTrackerRedisStore

HOST, PORT, DB, PREFIX = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
DOMAIN = Domain.load("chatbot/domain.yml")


def said(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text or "" for e in (tracker.events if tracker else []) if isinstance(e, UserUttered)]


def session(t0: float, text: str) -> list[Any]:
    return [ActionExecuted("action_session_start", timestamp=t0), SessionStarted(timestamp=t0 + 0.1),
            ActionExecuted("action_listen", timestamp=t0 + 0.2), UserUttered(text, timestamp=t0 + 0.3)]


async def scenarios(kind: type[RedisTrackerStore]) -> dict[str, Any]:
    prefix = f"{PREFIX}{kind.__name__.lower()}"
    a, b = (kind(DOMAIN, host=HOST, port=PORT, db=DB, key_prefix=prefix) for _ in range(2))  # two replicas
    out: dict[str, Any] = {}
    # One turn after another, alternating replicas (what the lock store makes of every conversation).
    for n, store in enumerate((a, b, a)):
        tracker = await store.get_or_create_tracker("plain")
        tracker.update(UserUttered(f"turn {n}"))
        await store.save(tracker)
    out["turns"] = said(await b.retrieve_full_tracker("plain"))
    # Another writer between a replica's read and its save: Rasa's merge keeps both.
    mine, theirs = await a.retrieve("plain"), await b.retrieve("plain")
    assert mine is not None and theirs is not None
    theirs.update(UserUttered("from b"))
    await b.save(theirs)
    mine.update(UserUttered("from a"))
    await a.save(mine)
    out["concurrent"] = said(await b.retrieve_full_tracker("plain"))
    # Earlier sessions are stored but not handed to the dialogue: a turn must not drop them.
    old = DialogueStateTracker.from_events("sessions", [*session(1000.0, "old"), *session(9000.0, "new")],
                                           domain=DOMAIN)
    a.red.set(a.key_prefix + "sessions", a.serialise_tracker(old))
    last = await b.retrieve("sessions")
    out["dialogue_sees"] = said(last)
    assert last is not None
    last.update(UserUttered("newer"))
    await b.save(last)
    out["sessions"] = said(await a.retrieve_full_tracker("sessions"))
    out["merged_saves"] = sum(getattr(store, "merged_saves", 0) for store in (a, b))
    return out


async def main() -> None:
    print(json.dumps({kind.__name__: await scenarios(kind) for kind in (RedisTrackerStore, WholeTrackerRedisStore)}))


if __name__ == "__main__":
    asyncio.run(main())
