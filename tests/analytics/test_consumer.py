"""The consumer with real Redis and both stores: killed mid-stream (SIGKILL) and restarted, every event
is counted exactly once; an ack lost after a commit changes nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import func, select

from analytics import keys
from analytics.consumer import Consumer
from analytics.emitter import encode
from analytics.events import envelope
from analytics.migrate import upgrade
from analytics.settings import AnalyticsSettings
from analytics.store import conversations, events_seen, make_engine
from scripts.procs import ROOT

CONVERSATIONS = 1500  # 3 events each
T0 = datetime(2026, 11, 10, 7, 0, tzinfo=UTC)


def _push(client: redis.Redis, prefix: str, n: int) -> int:
    pipe = client.pipeline(transaction=False)
    for i in range(n):
        cid = f"c_{i:05d}"
        at = (T0 + timedelta(seconds=i)).isoformat()
        for e in (envelope("conversation.started", cid, at, channel="web", branch="الرياض", service="permits",
                           page="/", language="ar"),
                  envelope("bot.decision", cid, at, decision="answer", faq_ids=["permits_01"],
                           categories=["permits"], style="msa", language="ar"),
                  envelope("feedback.thumb", cid, at, value="up", faq_id="permits_01")):
            pipe.xadd(keys.stream(prefix), encode(e))
    pipe.execute()
    return 3 * n


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        seen = conn.execute(select(func.count()).select_from(events_seen)).scalar_one()
        convs = conn.execute(select(func.count()).select_from(conversations)).scalar_one()
        ups = conn.execute(select(func.coalesce(func.sum(conversations.c.thumbs_up), 0))).scalar_one()
    engine.dispose()
    return seen, convs, int(ups)


def _consumer(url: str, redis_url: str, prefix: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ANALYTICS_DB_URL": url, "REDIS_URL": redis_url, "REDIS_PREFIX": prefix,
           "ANALYTICS_BATCH": "50", "ANALYTICS_CONSUMER": "test-consumer", "LOG_LEVEL": "WARNING"}
    return subprocess.Popen([sys.executable, "-m", "analytics", "consume"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_sigkill_mid_stream_then_restart_counts_every_event_once(store_url: str, redis_url: str,
                                                                  redis_prefix: str) -> None:
    client = redis.Redis.from_url(redis_url)
    total = _push(client, redis_prefix, CONVERSATIONS)
    upgrade(make_engine(store_url))
    first = _consumer(store_url, redis_url, redis_prefix)
    try:
        _wait(lambda: _counts(store_url)[0] > 300, 120, "the first consumer to store some events")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    seen_at_kill = _counts(store_url)[0]
    assert 0 < seen_at_kill < total, "the kill must land mid-stream"
    second = _consumer(store_url, redis_url, redis_prefix)
    try:
        _wait(lambda: _counts(store_url)[0] >= total, 120, "the restarted consumer to catch up")
        _wait(lambda: client.xpending(keys.stream(redis_prefix), keys.GROUP)["pending"] == 0, 30, "acks")
    finally:
        second.terminate()
        assert second.wait(30) == 0, second.stderr.read().decode()[-2000:] if second.stderr else ""
    assert _counts(store_url) == (total, CONVERSATIONS, CONVERSATIONS)
    client.close()


def test_a_batch_committed_but_not_acked_is_not_counted_twice(store_url: str, redis_url: str,
                                                               redis_prefix: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    client = redis.Redis.from_url(redis_url)
    total = _push(client, redis_prefix, 40)
    settings = AnalyticsSettings(redis_prefix=redis_prefix, consumer_name="c1", batch=30)
    crashing = Consumer(settings, engine, client)
    crashing.ensure_group()
    real_xack = client.xack
    client.xack = lambda *a: (_ for _ in ()).throw(ConnectionError("killed before the ack"))  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        crashing.handle(crashing.read(False, 100))
    client.xack = real_xack  # type: ignore[method-assign]
    assert _counts(store_url)[0] == 30
    again = Consumer(settings, engine, client)  # same name: re-reads its pending entries first
    again.run(stop=lambda: client.xpending(keys.stream(redis_prefix), keys.GROUP)["pending"] == 0
              and _counts(store_url)[0] == total, block_ms=100)
    assert again.counted == total - 30
    assert _counts(store_url) == (total, 40, 40)
    bad = {"e": json.dumps({"v": 1, "type": "nope"})}
    client.xadd(keys.stream(redis_prefix), bad)  # a broken entry is logged and acked, never retried forever
    assert again.handle(again.read(False, 100)) == 0
    assert client.xpending(keys.stream(redis_prefix), keys.GROUP)["pending"] == 0
    engine.dispose()
    client.close()
