"""Write a batch of events to the store in one transaction, each event id once.

A few statements per batch, not per event: the ids already seen, the rows the batch touches, then bulk
inserts and updates. The caller acks the stream entries only after this commits, and a redelivered
event (consumer killed between commit and ack) finds its id in ``events_seen`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, select

from analytics.outcome import apply, callback_row, local_day, naive_utc, new_row, record_call
from analytics.store import callback_tasks, complaint_texts, conversations, events_seen
from common.pii import mask

TEXT_SOURCES = {"csat.submitted": ("csat", "comment"), "message.left": ("message", "text")}
CHUNK = 500  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def _chunks(items: list[Any], n: int = CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _existing(conn: Connection, column: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for part in _chunks(sorted(set(ids))):
        found.update(conn.execute(select(column).where(column.in_(part))).scalars())
    return found


def _load(conn: Connection, table: Any, key: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for part in _chunks(sorted(ids)):
        for r in conn.execute(select(table).where(key.in_(part))).mappings():
            rows[r[key.name]] = dict(r)
    return rows


def _write(conn: Connection, table: Any, key: str, rows: dict[str, dict[str, Any]], old: set[str]) -> None:
    inserts = [r for k, r in rows.items() if k not in old]
    updates = [{**r, "_key": k} for k, r in rows.items() if k in old]
    if inserts:
        conn.execute(table.insert(), inserts)
    if updates:
        cols = [c for c in updates[0] if c not in ("_key", key)]
        stmt = table.update().where(table.c[key] == bindparam("_key")).values({c: bindparam(c) for c in cols})
        conn.execute(stmt, updates)


def ingest(conn: Connection, events: list[dict[str, Any]], tz: ZoneInfo) -> tuple[int, set[str]]:
    """Store the new ones among ``events`` (checked envelopes). Returns (how many were new, local days touched)."""
    seen = _existing(conn, events_seen.c.id, [e["id"] for e in events])
    fresh: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["id"] not in seen and e["id"] not in fresh:
            fresh[e["id"]] = e
    if not fresh:
        return 0, set()
    batch = sorted(fresh.values(), key=lambda e: e["at"])
    conn.execute(events_seen.insert(), [{"id": e["id"], "type": e["type"], "at": naive_utc(e["at"])} for e in batch])
    days = _conversations(conn, [e for e in batch if not e["type"].startswith("followup.")], tz)
    _callbacks(conn, [e for e in batch if e["type"].startswith("followup.")], tz)
    _texts(conn, batch, tz)
    return len(batch), days


def _conversations(conn: Connection, batch: list[dict[str, Any]], tz: ZoneInfo) -> set[str]:
    if not batch:
        return set()
    ids = {e["conversation_id"] for e in batch}
    rows = _load(conn, conversations, conversations.c.conversation_id, ids)
    old = set(rows)
    days = {r["local_day"] for r in rows.values()}
    for e in batch:
        row = rows.get(e["conversation_id"])
        if row is None:
            row = rows[e["conversation_id"]] = new_row(e["conversation_id"], naive_utc(e["at"]), tz)
        apply(row, e, tz)
    days |= {r["local_day"] for r in rows.values()}
    _write(conn, conversations, "conversation_id", rows, old)
    return days


def _callbacks(conn: Connection, batch: list[dict[str, Any]], tz: ZoneInfo) -> None:
    if not batch:
        return
    tasks = _load(conn, callback_tasks, callback_tasks.c.task_id, {str(e.get("task_id", "")) for e in batch})
    old = set(tasks)
    for e in batch:
        tid = str(e.get("task_id", ""))
        if e["type"] == "followup.created" and tid and tid not in tasks:
            tasks[tid] = callback_row(e, tz)
        elif e["type"] == "followup.call_recorded" and tid in tasks:
            record_call(tasks[tid], e)
    _write(conn, callback_tasks, "task_id", tasks, old)


def _texts(conn: Connection, batch: list[dict[str, Any]], tz: ZoneInfo) -> None:
    """Citizens' free texts (masked by the producer) wait here for the complaint classifier."""
    rows = []
    for e in batch:
        source = TEXT_SOURCES.get(e["type"])
        text = mask(str(e.get(source[1]) or "").strip()[:1000]) if source else ""
        if source and text:
            at = naive_utc(e["at"])
            rows.append({"event_id": e["id"], "conversation_id": e["conversation_id"], "source": source[0],
                         "at": at, "local_day": local_day(at, tz), "text": text, "classified": False})
    if rows:
        conn.execute(complaint_texts.insert(), rows)
