"""Handoff gateway benchmark: prints one JSON object.

    .venv/bin/python bench/handoff_bench.py [--citizens 500] [--agents 20] [--seconds 20] [--rate 0.5]
                                            [--idle 1000] [--idle-seconds 15]

Phase 1: one gateway process (``python -m handoff``, editor off, Rasa not needed), ``--agents`` agents
logged in, ``--citizens`` citizen sockets each handed off and claimed, then every citizen sends
``--rate`` messages per second for ``--seconds``. Measured: citizen→agent relay latency (client send →
agent receives the entry), messages/s, lost messages (sent but never acked, or acked but never delivered),
gateway RSS and CPU. Phase 2: a fresh gateway with ``--idle`` citizen sockets connected and idle.
The load generator runs in this process; both share the machine's cores, so figures are conservative.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import procs  # noqa: E402
from scripts.redis_prefix import delete_prefix  # noqa: E402

ORIGIN = "http://bench.local"
PASSWORD = "bench-password-123"


def start_gateway(redis_url: str, prefix: str, log_dir: Path) -> tuple[procs.Service, str]:
    port = procs.free_port()
    service = procs.gateway(
        port, log_dir, REDIS_URL=redis_url, REDIS_PREFIX=prefix, RASA_URL="http://127.0.0.1:9",
        ALLOWED_ORIGINS=ORIGIN, ENABLE_EDITOR="false", GREETING_PAYLOAD="", LOG_LEVEL="WARNING",
        AGENT_TIMEOUT_S="120", CITIZEN_RATE_BURST="50",
        # Every simulated citizen comes from 127.0.0.1: lift the per-IP new-conversation limit.
        CITIZEN_NEW_CONVERSATIONS_PER_HOUR="1000000",
    ).start()
    service.wait_healthy(timeout=60)
    return service, f"http://127.0.0.1:{port}"


def add_agents(redis_url: str, prefix: str, count: int) -> list[str]:
    from argon2 import PasswordHasher

    pw_hash = PasswordHasher().hash(PASSWORD)  # one hash for all: account creation is not what we measure
    client = redis.Redis.from_url(redis_url)
    names = [f"agent{i:02d}" for i in range(count)]
    for name in names:
        client.hset(f"{prefix}ho:account:{name}", mapping={"password_hash": pw_hash, "role": "agent",
                                                           "display_name": f"موظف {name}", "disabled": "0"})
    client.close()
    return names


class Rss:
    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.proc.cpu_percent(None)
        self.peak = 0
        self.cpu_start = sum(self.proc.cpu_times()[:2])
        self.t_start = time.monotonic()

    def sample(self) -> int:
        rss = self.proc.memory_info().rss
        self.peak = max(self.peak, rss)
        return rss

    def cpu_percent_since_start(self) -> float:
        used = sum(self.proc.cpu_times()[:2]) - self.cpu_start
        return 100.0 * used / max(1e-9, time.monotonic() - self.t_start)


async def sampler(rss: Rss, stop: asyncio.Event) -> None:
    while not stop.is_set():
        rss.sample()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def open_citizen(http: aiohttp.ClientSession, base: str) -> tuple[aiohttp.ClientWebSocketResponse, str]:
    ws = await http.ws_connect(f"{base}/ws/chat", headers={"Origin": ORIGIN}, heartbeat=None)
    await ws.send_str('{"type":"start"}')
    async with asyncio.timeout(30):
        while True:
            frame = json.loads((await ws.receive()).data)
            if frame["type"] == "started":
                return ws, frame["conversation_id"]
            if frame["type"] == "error":
                raise RuntimeError(f"start refused: {frame}")


async def login(http: aiohttp.ClientSession, base: str, name: str) -> aiohttp.ClientWebSocketResponse:
    async with http.post(f"{base}/api/login", json={"username": name, "password": PASSWORD}) as resp:
        token = (await resp.json())["token"]
    ws = await http.ws_connect(f"{base}/ws/agent", headers={"Origin": ORIGIN}, heartbeat=None)
    await ws.send_str(json.dumps({"type": "auth", "token": token}))
    return ws


class Load:
    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.acked: dict[str, float] = {}
        self.delivered: dict[str, float] = {}
        self.claimed: set[str] = set()
        self.queued: set[str] = set()
        self.owner: dict[str, str] = {}  # msg_id -> conversation id
        self.errors: dict[str, int] = {}

    async def agent_reader(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            kind = frame["type"]
            if kind == "entry" and frame["entry"]["type"] == "user_message":
                mid = frame["entry"]["msg_id"]
                if mid in self.sent_at and mid not in self.delivered:
                    self.delivered[mid] = time.monotonic()
            elif kind == "conversation":
                self.claimed.add(frame["conversation_id"])
            elif kind == "error":
                self.errors[frame["code"]] = self.errors.get(frame["code"], 0) + 1

    async def citizen_reader(self, ws: aiohttp.ClientWebSocketResponse, cid: str) -> None:
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            if frame["type"] == "status" and frame["state"] == "queued":
                self.queued.add(cid)
            elif frame["type"] == "ack":
                self.acked.setdefault(frame["msg_id"], time.monotonic())
            elif frame["type"] == "error":
                self.errors[frame["code"]] = self.errors.get(frame["code"], 0) + 1

    async def citizen_sender(self, ws: aiohttp.ClientWebSocketResponse, cid: str, rate: float, until: float) -> None:
        await asyncio.sleep(hash(ws) % 1000 / 1000 / rate)  # spread the sends
        while time.monotonic() < until:
            mid = uuid.uuid4().hex[:16]
            self.owner[mid] = cid
            self.sent_at[mid] = time.monotonic()
            await ws.send_str(json.dumps({"type": "message", "msg_id": mid, "text": f"سؤال رقم {mid}"},
                                         ensure_ascii=False))
            await asyncio.sleep(1 / rate)


def pct(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1], 2) if len(values) > 1 else 0.0


async def until_count(target: set[str], count: int, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while len(target) < count and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)


async def hand_off_all(load: Load, agents: list[Any], citizens: list[tuple[Any, str]]) -> None:
    """Every citizen asks for a human; agents claim them round-robin."""
    for i, (ws, _) in enumerate(citizens):
        await ws.send_str(json.dumps({"type": "request_human", "msg_id": f"h{i}"}))
    await until_count(load.queued, len(citizens))
    for i, (_, cid) in enumerate(citizens):
        await agents[i % len(agents)].send_str(json.dumps({"type": "claim", "conversation_id": cid}))
    await until_count(load.claimed, len(citizens))


async def drive(args: argparse.Namespace, base: str, names: list[str], pid: int, load: Load) -> dict[str, float]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        agents = [await login(http, base, n) for n in names]
        readers = [asyncio.create_task(load.agent_reader(a)) for a in agents]
        citizens = await asyncio.gather(*(open_citizen(http, base) for _ in range(args.citizens)))
        readers += [asyncio.create_task(load.citizen_reader(ws, cid)) for ws, cid in citizens]
        await hand_off_all(load, agents, citizens)
        rss, me, stop = Rss(pid), Rss(os.getpid()), asyncio.Event()
        sampling = asyncio.create_task(sampler(rss, stop))
        start = time.monotonic()
        await asyncio.gather(*(load.citizen_sender(ws, cid, args.rate, start + args.seconds) for ws, cid in citizens))
        await asyncio.sleep(3)  # let the last ones arrive
        stop.set()
        await sampling
        figures = {"cpu": rss.cpu_percent_since_start(), "client_cpu": me.cpu_percent_since_start(),
                   "duration": time.monotonic() - start - 3, "rss_peak": rss.peak}
        for ws in [c[0] for c in citizens] + agents:
            await ws.close()
        for task in readers:
            task.cancel()
    return figures


async def relay_phase(args: argparse.Namespace, redis_url: str) -> dict[str, Any]:
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    service, base = start_gateway(redis_url, prefix, ROOT / "var" / "log")
    load = Load()
    try:
        names = add_agents(redis_url, prefix, args.agents)
        f = await drive(args, base, names, service.proc.pid, load)  # type: ignore[union-attr]
    finally:
        service.stop()
        delete_prefix(redis_url, prefix)
    latencies = [(load.delivered[m] - load.sent_at[m]) * 1000 for m in load.delivered]
    ack_ms = [(load.acked[m] - load.sent_at[m]) * 1000 for m in load.acked if m in load.sent_at]
    # Lost: sent to a conversation an agent holds, but never delivered to that agent.
    to_claimed = [m for m in load.sent_at if load.owner[m] in load.claimed]
    return {
        "citizens": args.citizens, "agents": args.agents, "queued": len(load.queued), "claimed": len(load.claimed),
        "messages_sent": len(load.sent_at), "messages_acked": len(load.acked.keys() & load.sent_at.keys()),
        "messages_delivered_to_agent": len(load.delivered),
        "lost_messages": len([m for m in to_claimed if m not in load.delivered]),
        "messages_per_s": round(len(load.delivered) / max(1e-9, f["duration"]), 1),
        "ack_ms_p50": pct(ack_ms, 50), "ack_ms_p95": pct(ack_ms, 95),
        "relay_ms_p50": pct(latencies, 50), "relay_ms_p95": pct(latencies, 95), "relay_ms_p99": pct(latencies, 99),
        "gateway_rss_mb_peak": round(f["rss_peak"] / 2**20, 1), "gateway_cpu_percent": round(f["cpu"], 1),
        "load_generator_cpu_percent": round(f["client_cpu"], 1), "errors": load.errors,
    }


async def idle_phase(args: argparse.Namespace, redis_url: str) -> dict[str, Any]:
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    service, base = start_gateway(redis_url, prefix, ROOT / "var" / "log")
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            sockets = []
            for start in range(0, args.idle, 100):
                batch = min(100, args.idle - start)
                sockets += await asyncio.gather(*(open_citizen(http, base) for _ in range(batch)))
            await asyncio.sleep(1)
            rss = Rss(service.proc.pid)  # type: ignore[union-attr]
            await asyncio.sleep(args.idle_seconds)
            result = {"idle_sockets": len(sockets), "idle_rss_mb": round(rss.sample() / 2**20, 1),
                      "idle_cpu_percent": round(rss.cpu_percent_since_start(), 2)}
            for ws, _ in sockets:
                await ws.close()
    finally:
        service.stop()
        delete_prefix(redis_url, prefix)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--citizens", type=int, default=500)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rate", type=float, default=0.5, help="messages per second per citizen")
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=15)
    args = parser.parse_args()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    run = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # the load generator must not be the bottleneck

        run = uvloop.run
    load_before = os.getloadavg()[0]
    result = {"relay": run(relay_phase(args, redis_url)), "idle": run(idle_phase(args, redis_url)),
              "cores": os.cpu_count(), "machine_load_avg_1m_before": round(load_before, 2),
              "targets": {"relay_ms_p95": 30, "lost_messages": 0, "gateway_rss_mb": 300}}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
