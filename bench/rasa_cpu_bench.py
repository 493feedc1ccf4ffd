"""CPU milliseconds per bot turn of one Rasa (Redis tracker and lock stores) and one action server, A/B.

    .venv/bin/python bench/rasa_cpu_bench.py [--turns 300] [--concurrency 2] [--env NAME=VALUE ...]
                                             [--endpoints chatbot/endpoints.yml]

Starts its own redis-server, an action server and one Rasa (models/current.tar.gz) with the --env
settings added to Rasa's environment and --endpoints (e.g. a copy with Rasa's own ``type: redis``
tracker store, for the A/B of chatbot/tracker_store.py), then sends --turns dev questions through Rasa's REST channel as
conversations of five turns (so trackers grow as in real use), --concurrency at a time. CPU is read
from /proc for each process group before and after the measured turns (a warm-up is not counted):
robust to other load on the machine, unlike latency. Prints one JSON object. Used to keep or drop each
change that is meant to cut CPU per turn (docs/capacity.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
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

from bench.cluster_bench import group_cpu_rss, questions  # noqa: E402
from scripts import procs  # noqa: E402

PER_CONVERSATION = 5


async def turns(url: str, texts: list[str], concurrency: int, tag: str) -> int:
    """Send the texts as conversations of PER_CONVERSATION turns; the number of turns that got a reply."""
    chunks = [texts[i:i + PER_CONVERSATION] for i in range(0, len(texts), PER_CONVERSATION)]
    pending: asyncio.Queue[tuple[int, list[str]]] = asyncio.Queue()
    for n, chunk in enumerate(chunks):
        pending.put_nowait((n, chunk))
    answered = 0

    async def worker(http: aiohttp.ClientSession) -> None:
        nonlocal answered
        while not pending.empty():
            n, chunk = pending.get_nowait()
            for text in chunk:
                async with http.post(f"{url}/webhooks/rest/webhook",
                                     json={"sender": f"{tag}-{n}", "message": text}) as resp:
                    answered += resp.status == 200 and bool(await resp.json())

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return answered


def measure(args: argparse.Namespace, logs: Path, redis_url: str) -> dict[str, Any]:
    extra = dict(kv.split("=", 1) for kv in args.env)
    action_port, rasa_port = procs.free_port(), procs.free_port()
    actions = procs.action_server(action_port, logs, REDIS_URL=redis_url, REDIS_PREFIX="cpubench:",
                                  KB_INDEX_DIR=str(ROOT / "var" / "index"))
    rasa = procs.rasa_server(rasa_port, f"http://127.0.0.1:{action_port}/webhook", logs, redis_url=redis_url,
                             key_prefix="cpubench", **extra)
    rasa.argv[rasa.argv.index("--endpoints") + 1] = str(Path(args.endpoints).resolve())
    try:
        actions.start().wait_healthy(timeout=120)
        rasa.start().wait_healthy(timeout=400)
        url, pool = f"http://127.0.0.1:{rasa_port}", questions()
        asyncio.run(turns(url, pool[:40], args.concurrency, f"warm-{time.time():.0f}"))
        before = {k: group_cpu_rss(p.proc.pid)[0] for k, p in (("rasa", rasa), ("actions", actions)) if p.proc}
        started = time.monotonic()
        done = asyncio.run(turns(url, pool[40:40 + args.turns], args.concurrency, f"m-{time.time():.0f}"))
        wall = time.monotonic() - started
        after = {k: group_cpu_rss(p.proc.pid)[0] for k, p in (("rasa", rasa), ("actions", actions)) if p.proc}
        # Rasa falls back to an in-memory store (cheaper, wrong) if it cannot load the configured one.
        client = redis.Redis.from_url(redis_url)
        trackers = sum(1 for _ in client.scan_iter("cpubench:tracker:*"))
        client.close()
    finally:
        rasa.stop()
        actions.stop()
    return {"rasa_env": extra, "endpoints": args.endpoints, "turns": done, "concurrency": args.concurrency,
            "turns_per_s": round(done / wall, 1), "trackers_in_redis": trackers,
            "cpu_ms_per_turn": {k: round(1000 * (after[k] - before[k]) / max(1, done), 1) for k in after}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE added to Rasa's environment")
    parser.add_argument("--endpoints", default="chatbot/endpoints.yml")
    args = parser.parse_args()
    port = procs.free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        result = measure(args, Path(tempfile.mkdtemp(prefix="rasa-cpu-bench-")), f"redis://127.0.0.1:{port}/0")
        print(json.dumps({"rasa_cpu_bench": result}, ensure_ascii=False))
    finally:
        server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
