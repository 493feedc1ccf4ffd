"""The consumer: stream → store, at least once from Redis, exactly once in SQL (event ids).

One consumer group; entries are acked only after their batch committed. A consumer that was killed
first re-reads its own pending entries (id 0), then new ones (>). Complaint texts are classified and
the roll-up refreshed after commits, when the stream is idle or every few seconds under load.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import Engine, delete, select, update

from analytics import keys, rollup
from analytics.events import EventError, check
from analytics.ingest import ingest
from analytics.settings import AnalyticsSettings
from analytics.store import callback_tasks, complaint_texts, conversations, events_seen

log = logging.getLogger(__name__)
ROLLUP_EVERY_S = 5.0
RETENTION_EVERY_S = 3600.0
CLASSIFY_BATCH = 64


class Consumer:
    def __init__(self, settings: AnalyticsSettings, engine: Engine, client: redis.Redis,
                 classify: Any = None) -> None:
        self.s, self.engine, self.redis = settings, engine, client
        self.tz = ZoneInfo(settings.timezone)
        self.stream = keys.stream(settings.redis_prefix)
        self.classify = classify  # texts -> complaint Results; None: analytics.complaints, loaded on first use
        self.dirty: set[str] = set()
        self.last_rollup = self.last_retention = 0.0
        self.counted = 0

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(self.stream, self.s.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def read(self, pending: bool, block_ms: int) -> list[tuple[bytes, dict[bytes, bytes]]]:
        got = self.redis.xreadgroup(self.s.group, self.s.consumer_name, {self.stream: "0" if pending else ">"},
                                    count=self.s.batch, block=None if pending else block_ms)
        return got[0][1] if got else []

    def handle(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> int:
        """Store one batch and ack it. Returns how many events were new."""
        events, ids = [], []
        for entry_id, fields in entries:
            ids.append(entry_id)
            try:
                events.append(check(json.loads(fields.get(b"e", b"{}"))))
            except (EventError, ValueError, TypeError) as exc:
                log.warning("analytics event %s skipped: %s", entry_id.decode(), exc)  # acked: never readable
        new = 0
        if events:
            with self.engine.begin() as conn:
                new, days = ingest(conn, events, self.tz)
            self.dirty |= days
        if ids:
            self.redis.xack(self.stream, self.s.group, *ids)
        self.counted += new
        return new

    def housekeeping(self, idle: bool) -> None:
        now = time.monotonic()
        if self.dirty and (idle or now - self.last_rollup >= ROLLUP_EVERY_S):
            self.classify_texts()
            days, self.dirty = self.dirty, set()
            with self.engine.begin() as conn:
                rollup.rebuild(conn, days)
            self.last_rollup = now
        if now - self.last_retention >= RETENTION_EVERY_S:
            purge(self.engine, self.s.retention_days)
            self.last_retention = now

    def classify_texts(self) -> None:
        t = complaint_texts.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.event_id, t.text).where(t.classified.is_(False)).limit(1000)).all()
        if not rows:
            return
        try:
            classify = self.classify or _default_classifier()
            results = []
            for i in range(0, len(rows), CLASSIFY_BATCH):
                results += classify([r.text for r in rows[i:i + CLASSIFY_BATCH]])
        except Exception as exc:  # the outcome rows are stored; texts wait for a classifier that works
            log.warning("complaint classifier unavailable (%s): texts stay unclassified", type(exc).__name__)
            return
        with self.engine.begin() as conn:
            conn.execute(update(complaint_texts).where(t.event_id == _bind("eid")).values(
                classified=True, is_complaint=_bind("c"), reason=_bind("r"), service=_bind("s")),
                [{"eid": row.event_id, "c": res.is_complaint, "r": res.reason, "s": res.service}
                 for row, res in zip(rows, results, strict=True)])

    def run(self, stop: Any = None, block_ms: int = 1000) -> None:
        """Consume until ``stop()`` is true (forever by default)."""
        self.ensure_group()
        while self.read_pending():
            pass
        while not (stop and stop()):
            entries = self.read(False, block_ms)
            if entries:
                self.handle(entries)
            self.housekeeping(idle=not entries)

    def read_pending(self) -> bool:
        """This consumer's unacked entries, then those another consumer left unacked for a minute."""
        entries = self.read(True, 0)
        if not entries:
            got = self.redis.xautoclaim(self.stream, self.s.group, self.s.consumer_name, min_idle_time=60_000,
                                        start_id="0-0", count=self.s.batch)
            entries = [(i, f) for i, f in got[1] if f]
        if entries:
            self.handle(entries)
        return bool(entries)


def _bind(name: str) -> Any:
    from sqlalchemy import bindparam

    return bindparam(name)


def _default_classifier() -> Any:
    from analytics.complaints import classify

    return classify


def purge(engine: Engine, retention_days: int, now: datetime | None = None) -> int:
    """Delete outcome rows, tasks, texts and seen ids older than the retention; rebuild their days."""
    cutoff = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None) - timedelta(days=retention_days)
    c = conversations.c
    with engine.begin() as conn:
        days = set(conn.execute(select(c.local_day).where(c.started_at < cutoff).distinct()).scalars())
        gone = conn.execute(delete(conversations).where(c.started_at < cutoff)).rowcount
        conn.execute(delete(callback_tasks).where(callback_tasks.c.created_at < cutoff))
        conn.execute(delete(complaint_texts).where(complaint_texts.c.at < cutoff))
        conn.execute(delete(events_seen).where(events_seen.c.at < cutoff))
        rollup.rebuild(conn, days)
    if gone:
        log.info("retention: outcome records removed", extra={"count": gone, "days": retention_days})
    return gone
