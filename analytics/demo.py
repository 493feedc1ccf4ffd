"""Synthetic history for the demo database: ``python -m analytics demo --days 120``.

It writes *events* in the analytics contract (analytics.events) and feeds them through the same ingestion
as real ones, so the demo exercises the real store, roll-ups and report. The shape comes from
``demo_profile.yaml``; FAQ ids, categories and services come from the real corpus
(knowledge_base/corpus). Comments go through the PII masker like every real one.
It only ever writes to ANALYTICS_DEMO_DB_URL, and refuses the real store's URL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from analytics.events import envelope
from common.pii import mask

PROFILE = Path(__file__).with_name("demo_profile.yaml")
CORPUS = Path(__file__).resolve().parent.parent / "knowledge_base" / "corpus"


class DemoError(Exception):
    """The demo cannot run as asked; the message names the fix."""


@cache
def profile() -> dict[str, Any]:
    return yaml.safe_load(PROFILE.read_text(encoding="utf-8"))


@cache
def corpus() -> dict[str, list[tuple[str, str]]]:
    """service (corpus file) -> [(faq id, category)] of the published entries."""
    out = {}
    for path in sorted(CORPUS.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        out[path.stem] = [(e["id"], e["category"]) for e in entries if e.get("status", "published") == "published"]
    return {k: v for k, v in out.items() if v}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Day:
    """The profile's rates interpolated for one day (0 = first day, 1 = last)."""
    progress: float

    def rate(self, name: str) -> float:
        p = profile()
        return p["start"][name] + (p["end"][name] - p["start"][name]) * self.progress


class Conversation:
    def __init__(self, rng: random.Random, cid: str, start: datetime, day: Day) -> None:
        self.rng, self.cid, self.at, self.day = rng, cid, start, day
        self.events: list[dict[str, Any]] = []

    def emit(self, type_: str, after_s: float = 0, **fields: Any) -> None:
        self.at += timedelta(seconds=after_s)
        at = self.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self.events.append(envelope(type_, self.cid, at=at, **fields))

    def run(self) -> list[dict[str, Any]]:
        p, rng, day = profile(), self.rng, self.day
        service = rng.choice(sorted(corpus()))
        language = _pick(rng, p["languages"])
        style = _pick(rng, p["styles"][language])
        self.emit("conversation.started", channel=_pick(rng, p["channels"]), branch=_pick(rng, p["branches"]),
                  service=service, page=f"/services/{service}", language=language)
        faq_id, category = rng.choice(corpus()[service])
        roll = rng.random()
        if roll < day.rate("answer"):
            self._answered(faq_id, category, style, language)
        elif roll < day.rate("answer") + day.rate("clarify") and rng.random() < day.rate("picked_after_clarify"):
            self.emit("bot.decision", 3, decision="clarify", faq_ids=[faq_id], categories=[category], style=style,
                      language=language)
            self._answered(faq_id, category, style, language)
        else:
            reason = _pick(rng, p["handoff_reasons"])
            decision = "out_of_scope" if reason == "out_of_scope" else "handoff"
            self.emit("bot.decision", 3, decision=decision, faq_ids=[], categories=[], style=style, language=language)
            if decision == "out_of_scope" or reason == "low_confidence":
                self.emit("unanswered.recorded", 0)
            self._handoff(reason, category)
        self.emit("conversation.ended", rng.uniform(5, 60), how="closed")
        return self.events

    def _answered(self, faq_id: str, category: str, style: str, language: str) -> None:
        rng, day = self.rng, self.day
        self.emit("bot.decision", rng.uniform(2, 20), decision="answer", faq_ids=[faq_id], categories=[category],
                  style=style, language=language)
        if rng.random() < profile()["feedback_share"]:
            up = rng.random() < day.rate("thumbs_up")
            self.emit("feedback.thumb", rng.uniform(5, 40), value="up" if up else "down", faq_id=faq_id)
            if not up and rng.random() < 0.5:
                self._followup("thumb_down_left")
                return
        if rng.random() < profile()["csat_share"] * 0.6:
            self._csat("bot", day.rate("csat_bot_high"))

    def _handoff(self, reason: str, topic: str) -> None:
        p, rng, day = profile(), self.rng, self.day
        self.emit("handoff.requested", 2, reason=reason, topic=topic)
        if rng.random() < day.rate("claim_within"):
            wait = rng.lognormvariate(0, 0.8) * day.rate("wait_median_s")
            agent = rng.choice(p["agents"])
            self.emit("handoff.claimed", wait, agent=agent, wait_s=round(wait, 1))
            self.emit("handoff.ended", rng.lognormvariate(5.8, 0.5), agent=agent,
                      outcome=rng.choice(["resolved", "resolved", "resolved", "referred"]))
            if rng.random() < p["csat_share"]:
                self._csat("agent", day.rate("csat_agent_high"), agent)
        elif rng.random() < 0.3:
            self.emit("message.left", rng.uniform(60, 600))
        else:
            self.emit("handoff.abandoned", rng.uniform(30, 900), how=_pick(rng, p["abandon_how"]))

    def _csat(self, target: str, high: float, agent: str | None = None) -> None:
        rng = self.rng
        if rng.random() < high:
            score = rng.choice([4, 5, 5])
        else:
            score = rng.choice([1, 1, 2, 2, 3])
        comment = ""
        if score <= 2 and rng.random() < 0.7:
            reason = rng.choice(sorted(profile()["comments"]))
            comment = mask(rng.choice(profile()["comments"][reason]))
        self.emit("csat.submitted", rng.uniform(5, 30), score=score, comment=comment, target=target)
        if score <= 2:
            self._followup("csat_low", agent)

    def _followup(self, trigger: str, agent: str | None = None) -> None:
        p, rng, day = profile(), self.rng, self.day
        task_id = f"fu_{self.cid[2:]}"
        due = self.at + timedelta(hours=24)
        self.emit("followup.created", 1, task_id=task_id, trigger=trigger,
                  due_at=due.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                  has_number=rng.random() < p["number_share"])
        within = rng.random() < day.rate("callback_within_24h")
        delay = rng.uniform(1, 23) * 3600 if within else rng.uniform(25, 60) * 3600
        caller = rng.choice(p["agents"])
        reason = rng.choice(sorted(p["comments"]))
        self.pending_call = (delay, task_id, _pick(rng, p["call_results"]), reason, caller)


def generate(days: int, now: datetime, seed: int = 1448, tz: str = "Asia/Riyadh") -> Iterator[dict[str, Any]]:
    """Every event of ``days`` days of history ending at ``now`` (deterministic for a seed). Call-backs
    that would lie in the future are left open, as they would be."""
    if days < 1:
        raise DemoError("--days must be at least 1")
    p, rng = profile(), random.Random(seed)
    # Local days (busy hours are the centre's), up to now: today's citizens still wait for their call-back.
    local_now = now.astimezone(ZoneInfo(tz))
    first = (local_now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    n = 0
    for d in range(days + 1):
        day_start = first + timedelta(days=d)
        day = Day(d / days)
        volume = p["conversations_per_day"] * (1 + p["growth_over_period"] * day.progress)
        if day_start.weekday() in (4, 5):  # Friday, Saturday
            volume *= p["weekend_factor"]
        for _ in range(max(int(rng.gauss(volume, volume ** 0.5)), 0)):
            n += 1
            hour = rng.choice(p["busy_hours"]) if rng.random() < 0.7 else rng.randrange(24)
            start = day_start + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            if start >= now:
                continue
            conv = Conversation(rng, f"c_demo{seed}_{n:07d}", start, day)
            events = conv.run()
            call = getattr(conv, "pending_call", None)
            if call and conv.at + timedelta(seconds=call[0]) < now:
                conv.emit("followup.call_recorded", call[0], task_id=call[1], result=call[2], reason=call[3],
                          agent=call[4])
                retry = rng.uniform(2, 6) * 3600  # not reached: called again a few hours later
                if call[2] == "not_reached" and conv.at + timedelta(seconds=retry) < now:
                    conv.emit("followup.call_recorded", retry, task_id=call[1],
                              result=rng.choice(["reached", "resolved"]), reason=call[3], agent=call[4])
            yield from events


DEFAULT_DEMO_DB_URL = "sqlite:///var/analytics-demo.sqlite3"
CHUNK = 2000


def demo_db_url(env: dict[str, str] | None = None) -> str:
    import os

    return (os.environ if env is None else env).get("ANALYTICS_DEMO_DB_URL") or DEFAULT_DEMO_DB_URL


def fill(url: str, real_url: str, days: int, now: datetime | None = None, seed: int = 1448,
         tz: str = "Asia/Riyadh") -> dict[str, Any]:
    """Replace the demo database's content with ``days`` days of synthetic history. Refuses the real
    store's URL and any database holding a conversation the demo did not write."""
    from sqlalchemy import func, select

    from analytics import rollup, store
    from analytics.ingest import ingest
    from analytics.migrate import upgrade

    if url == real_url:
        raise DemoError("ANALYTICS_DEMO_DB_URL is the real store (ANALYTICS_DB_URL): demo data never mixes with "
                        "real data; set ANALYTICS_DEMO_DB_URL to another database")
    engine = store.make_engine(url)
    upgrade(engine)
    c = store.conversations.c
    with engine.begin() as conn:
        real = conn.execute(select(func.count()).select_from(store.conversations)
                            .where(~c.conversation_id.like("c_demo%"))).scalar_one()
        if real:
            raise DemoError(f"{url} holds {real} conversations the demo did not write: refusing to replace them")
        for table in reversed(store.metadata.sorted_tables):
            conn.execute(table.delete())
        batch: list[dict[str, Any]] = []
        stored = 0
        for event in generate(days, now or datetime.now(UTC), seed, tz):
            batch.append(event)
            if len(batch) >= CHUNK:
                stored += ingest(conn, batch, ZoneInfo(tz))[0]
                batch = []
        if batch:
            stored += ingest(conn, batch, ZoneInfo(tz))[0]
        rollup.rebuild(conn)
        complaints = _classify_texts(conn)
        count = conn.execute(select(func.count()).select_from(store.conversations)).scalar_one()
    engine.dispose()
    return {"demo_db": url, "days": days, "events": stored, "conversations": count, "complaints": complaints}


def _classify_texts(conn: Any) -> int:
    """Run the committed complaint classifier (analytics.complaints) over the demo's comments, as the
    consumer's classification step does for real ones. Returns how many are complaints."""
    from sqlalchemy import select, update

    from analytics.complaints.classifier import classify
    from analytics.store import complaint_texts as t

    rows = conn.execute(select(t.c.event_id, t.c.text).where(t.c.classified.is_(False))).all()
    if not rows:
        return 0
    results = classify([r.text for r in rows])
    for row, res in zip(rows, results, strict=True):
        conn.execute(update(t).where(t.c.event_id == row.event_id).values(
            classified=True, is_complaint=res.is_complaint, reason=res.reason, service=res.service))
    return sum(r.is_complaint for r in results)
