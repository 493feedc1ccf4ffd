"""Capacity of the scaled topology with bot turns: prints one JSON object.

    .venv/bin/python bench/cluster_bench.py [--rasa 1|2] [--citizens 1000] [--agents 50] [--seconds 120]
                                            [--think-s 30] [--human-share 0.05]

Starts its own redis-server (so its command count is ours alone) and scripts/cluster.py's topology: nginx,
2 gateways, --rasa Rasa replicas, 2 action servers. --citizens citizens connect through nginx; each asks a
question (the dev query files), reads the answer, thinks (exponential, mean --think-s) and asks again; a
--human-share of the questions is a request for a person, and --agents agents claim those and answer once.
Measured: bot turns/s sustained, p50/p95/p99 bot-reply latency (ack -> first bot message), what citizens got
instead of an answer (retryable errors: never silence), queue build-up, CPU milliseconds per bot turn of
each component (from /proc, so other sessions' load does not inflate them; their wall-clock share does
affect latency and turns/s: the load average is recorded), RSS of every process, Redis commands per
citizen message, and acked inputs missing from Redis (lost). The load generator shares the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.handoff_bench import PASSWORD, add_agents  # noqa: E402
from handoff.keys import Keys  # noqa: E402
from scripts import procs  # noqa: E402
from scripts.cluster import Cluster  # noqa: E402

ORIGIN = "http://bench.local"
TICK = os.sysconf("SC_CLK_TCK")


def questions() -> list[str]:
    rows = []
    for part in (1, 2, 3):
        rows += [json.loads(line)["q"] for line in (ROOT / f"tests/data/dev_queries_part{part}.jsonl").open()]
    return rows


def group_cpu_rss(pgid: int) -> tuple[float, int]:
    """CPU seconds (user+system, children reaped included) and RSS bytes of every process in a group."""
    cpu, rss = 0.0, 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                cpu += sum(int(x) for x in fields[11:15]) / TICK
                rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    return cpu, rss


def snapshot(cluster: Cluster, redis_pid: int) -> dict[str, tuple[float, int]]:
    found = {f"{s.name}-{i}": group_cpu_rss(s.proc.pid) for i, s in enumerate(cluster.services) if s.proc}
    return found | {"redis": group_cpu_rss(redis_pid)}


class Load:
    def __init__(self, base: str, args: argparse.Namespace) -> None:
        self.base, self.args = base, args
        self.pool = questions()
        self.latencies: list[float] = []
        self.outcomes: dict[str, int] = {}
        self.acked: dict[str, set[str]] = {}  # cid -> acked msg_ids
        self.queued_peak = 0
        self.inputs = 0
        self.silent: list[dict[str, Any]] = []
        self.stop = asyncio.Event()

    def count(self, what: str) -> None:
        self.outcomes[what] = self.outcomes.get(what, 0) + 1

    async def citizen(self, http: aiohttp.ClientSession, n: int) -> None:
        await asyncio.sleep(random.uniform(0, self.args.think_s))  # arrivals spread, not a thundering herd
        ws = await http.ws_connect(f"{self.base}/ws/chat", headers={"Origin": ORIGIN}, heartbeat=None)
        await ws.send_str('{"type":"start"}')
        cid = ""
        while not cid:
            frame = json.loads((await ws.receive()).data)
            cid = frame.get("conversation_id", "") if frame["type"] == "started" else ""
        self.acked[cid] = set()
        state = {"state": "bot"}  # from the status entries the citizen saw, whichever turn read them
        try:
            while not self.stop.is_set() and state["state"] == "bot":
                if random.random() < self.args.human_share:
                    await ws.send_str(json.dumps({"type": "request_human", "msg_id": f"h{n}-{time.time()}"}))
                    self.count("requested_person")
                    return  # from here on an agent talks with this citizen
                await self.turn(ws, cid, random.choice(self.pool), state)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), random.expovariate(1 / self.args.think_s))
        finally:
            with contextlib.suppress(Exception):
                await asyncio.sleep(5 if self.stop.is_set() else 0)
                await ws.close()

    async def turn(self, ws: aiohttp.ClientWebSocketResponse, cid: str, text: str, state: dict[str, str]) -> None:
        """One question and its outcome. Frames left over from the previous turn (the rest of a multi-part
        answer, a status entry after it) only update the state: the outcome is decided after this ack."""
        mid = f"m-{random.getrandbits(48):x}"
        await ws.send_str(json.dumps({"type": "message", "msg_id": mid, "text": text}, ensure_ascii=False))
        self.inputs += 1
        acked_at, typing, seen = None, False, []
        try:
            async with asyncio.timeout(60):
                while True:
                    frame = json.loads((await ws.receive()).data)
                    kind = frame.get("type")
                    seen.append(f"{kind}:{frame.get('seq', '')}:{frame.get('state', frame.get('msg_id', ''))}")
                    if kind == "status":
                        state["state"] = frame.get("state", state["state"])
                    if kind == "ack" and frame.get("msg_id") == mid:
                        acked_at = time.monotonic()
                        self.acked[cid].add(mid)
                    elif kind == "error" and frame.get("msg_id") in (mid, None):
                        self.count(f"error:{frame.get('code')}")
                        return
                    if acked_at is None:
                        continue
                    if kind == "typing":
                        typing = True
                    elif kind == "bot_message":
                        self.latencies.append(time.monotonic() - acked_at)
                        self.count("answered" if typing else "answered_without_typing")
                        return
                    if state["state"] != "bot":
                        # The bot handed off (the question asked for a person, or repeated misses): an agent
                        # answers from here, and this citizen stops asking the bot.
                        self.count("handed_off_by_bot")
                        return
        except TimeoutError:
            self.count("silence_60s")
            self.silent.append({"conversation_id": cid, "msg_id": mid, "frames": seen[-12:]})

    async def agent(self, http: aiohttp.ClientSession, name: str) -> None:
        async with http.post(f"{self.base}/api/login", json={"username": name, "password": PASSWORD}) as resp:
            token = (await resp.json())["token"]
        ws = await http.ws_connect(f"{self.base}/ws/agent", headers={"Origin": ORIGIN}, heartbeat=None)
        await ws.send_str(json.dumps({"type": "auth", "token": token}))
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                frame = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
                if frame.get("type") == "queue":
                    self.queued_peak = max(self.queued_peak, len(frame.get("items", [])))
                if frame.get("type") == "queue_added":
                    cid = frame["item"]["conversation_id"]
                    await ws.send_str(json.dumps({"type": "claim", "conversation_id": cid}))
                if frame.get("type") == "conversation":
                    cid = frame.get("conversation_id") or frame.get("conversation", {}).get("conversation_id", "")
                    await ws.send_str(json.dumps({"type": "message", "conversation_id": cid,
                                                  "msg_id": f"a-{random.getrandbits(40):x}", "text": "أهلاً بك"}))
            await ws.send_str('{"type":"heartbeat"}')
        await ws.close()


def lost_acked(redis_url: str, prefix: str, acked: dict[str, set[str]]) -> int:
    client, lost = redis.Redis.from_url(redis_url), 0
    for cid, mids in acked.items():
        stored = {json.loads(f[b"e"]).get("msg_id") for _i, f in client.xrange(Keys(prefix).transcript(cid))}
        lost += len(mids - stored)
    client.close()
    return lost


def explain_silence(redis_url: str, prefix: str, silent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What Redis holds for each silent turn: the conversation's state and the entries stored after the
    question, to tell a citizen left without a reply from a reply the load generator did not read."""
    client, keys, out = redis.Redis.from_url(redis_url), Keys(prefix), []
    for turn in silent[:5]:
        cid = turn["conversation_id"]
        entries = [json.loads(f[b"e"]) for _i, f in client.xrange(keys.transcript(cid))]
        asked = next((i for i, e in enumerate(entries) if e.get("msg_id") == turn["msg_id"]), len(entries))
        after = [f"{e.get('type')}:{e.get('seq', '')}:{e.get('state', '')}" for e in entries[asked:]]
        state = client.hget(keys.conv(cid), "state")
        out.append(turn | {"state_in_redis": (state or b"").decode(), "stored_from_question_on": after[:8]})
    client.close()
    return out


def tracker_store_type() -> str:
    endpoints = (ROOT / "chatbot" / "endpoints.yml").read_text()
    return endpoints.split("tracker_store:", 1)[1].split("type:", 1)[1].split()[0]


def pct(values: list[float], q: float) -> float | None:
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000) if len(values) > 2 else None


async def drive(cluster: Cluster, args: argparse.Namespace, redis_url: str, redis_pid: int) -> dict[str, Any]:
    load = Load(cluster.url, args)
    r = redis.Redis.from_url(redis_url)
    before, cmds0, load0 = snapshot(cluster, redis_pid), r.info("stats")["total_commands_processed"], os.getloadavg()
    started = time.monotonic()
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn) as http:
        agents = [asyncio.create_task(load.agent(http, name)) for name in add_agents(redis_url, "bench:", args.agents)]
        citizens = [asyncio.create_task(load.citizen(http, n)) for n in range(args.citizens)]
        await asyncio.sleep(args.seconds)
        # The window: what was answered while citizens kept arriving (turns in flight finish after it).
        elapsed, turns = time.monotonic() - started, len(load.latencies)
        after, cmds1 = snapshot(cluster, redis_pid), r.info("stats")["total_commands_processed"]
        inputs = load.inputs
        load.stop.set()
        await asyncio.gather(*citizens, *agents, return_exceptions=True)
    return {
        "rasa_replicas": args.rasa, "citizens": args.citizens, "agents": args.agents, "seconds": round(elapsed),
        "think_s_mean": args.think_s, "rasa_env": args.rasa_env, "tracker_store": tracker_store_type(),
        "load_average_before_after": [round(load0[0], 1), round(os.getloadavg()[0], 1)],
        "cpu_count": os.cpu_count(),
        # Offered: questions the citizens sent in the window (answered or not); above capacity queues grow.
        "questions_sent_per_s": round(inputs / elapsed, 1),
        "bot_turns": turns, "bot_turns_per_s": round(turns / elapsed, 1),
        "latency_ms": {"p50": pct(load.latencies, 50), "p95": pct(load.latencies, 95),
                       "p99": pct(load.latencies, 99)},
        "outcomes": load.outcomes, "queue_peak": load.queued_peak,
        "cpu_ms_per_bot_turn": {k: round(1000 * (after[k][0] - before[k][0]) / max(1, turns), 1) for k in after},
        # Over capacity Rasa still works on the turns the gateway gave up on (bot_unavailable), so the figure
        # per answered turn rises with the error rate: per question sent is the one to compare runs with.
        "cpu_ms_per_question_sent": {k: round(1000 * (after[k][0] - before[k][0]) / max(1, inputs), 1)
                                     for k in after},
        "rss_mb": {k: round(after[k][1] / 2**20) for k in after},
        "redis_commands_per_citizen_message": round((cmds1 - cmds0) / max(1, inputs), 1),
        "lost_acked_inputs": lost_acked(redis_url, "bench:", load.acked),
        "silent_turns": explain_silence(redis_url, "bench:", load.silent),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rasa", type=int, default=2, choices=(1, 2))
    parser.add_argument("--citizens", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think-s", type=float, default=30)
    parser.add_argument("--human-share", type=float, default=0.05)
    parser.add_argument("--rasa-env", action="append", default=[], help="NAME=VALUE for every Rasa replica")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    port = procs.free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, start_new_session=True)
    redis_url = f"redis://127.0.0.1:{port}/0"
    cluster = Cluster(redis_url, "bench:", logs, args.rasa, gateway_env={
        "ALLOWED_ORIGINS": ORIGIN, "ENABLE_EDITOR": "false", "GREETING_PAYLOAD": "", "LOG_LEVEL": "WARNING",
        "CITIZEN_NEW_CONVERSATIONS_PER_HOUR": "1000000", "CITIZEN_MAX_SOCKETS_PER_IP": "100000",
        "AGENT_TIMEOUT_S": "120"}, rasa_env=dict(kv.split("=", 1) for kv in args.rasa_env))
    try:
        cluster.start()
        result = asyncio.run(drive(cluster, args, redis_url, server.pid))
        print(json.dumps({"cluster_bench": result}, ensure_ascii=False))
    finally:
        cluster.stop()
        server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
