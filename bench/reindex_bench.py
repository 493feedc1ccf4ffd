"""Live reindex latency: from a store write (publish / edit) to the answer served by every action server.

Starts N real action-server processes (`python -m actions`) on one fresh Redis prefix, then for each
round edits a published entry's answer (round 0 creates and publishes it) and polls every server's
action_answer_faq until the reply carries the round's marker. Prints one JSON object.

    .venv/bin/python bench/reindex_bench.py --servers 2 --rounds 10
    .venv/bin/python bench/reindex_bench.py --mode holders     # in-process holders, no action server
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis.asyncio as aioredis  # noqa: E402
import yaml  # noqa: E402

from knowledge_base.faqs.keys import KbKeys  # noqa: E402
from knowledge_base.faqs.store import FaqStore  # noqa: E402
from scripts import procs  # noqa: E402
from scripts.redis_prefix import delete_prefix  # noqa: E402
from tests.editor.test_e2e_live import ENTRY, PARAPHRASE, action_reply  # noqa: E402


async def write(redis_url: str, prefix: str, round_no: int) -> None:
    client = aioredis.from_url(redis_url, decode_responses=True)
    store = FaqStore(client, KbKeys(prefix))
    answer = f"{ENTRY['answer']} [{round_no}]"
    try:
        current = await store.get(ENTRY["id"])
        if current is None:
            await store.create({**ENTRY, "answer": answer, "status": "published"}, actor="bench")
        else:
            await store.update(ENTRY["id"], {"answer": answer}, current.rev, actor="bench")
    finally:
        await client.aclose()


def wait_marker(url: str, marker: str, domain: dict, limit: float) -> float | None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if marker in action_reply(url, PARAPHRASE, domain):
            return time.monotonic() - t0
        time.sleep(0.05)
    return None


def run(args: argparse.Namespace) -> dict:
    prefix = f"bench:reindex-{uuid.uuid4().hex[:8]}:"
    domain = yaml.safe_load((ROOT / "chatbot" / "domain.yml").read_text(encoding="utf-8"))
    logs = Path(tempfile.mkdtemp(prefix="reindex-bench-"))
    servers = []
    try:
        for _ in range(args.servers):
            port = procs.free_port()
            svc = procs.action_server(port, logs / str(port), REDIS_URL=args.redis_url, REDIS_PREFIX=prefix,
                                      KB_INDEX_DIR=args.index_dir, LOG_LEVEL="WARNING").start()
            servers.append((svc, f"http://127.0.0.1:{port}"))
        for svc, _url in servers:
            svc.wait_healthy(timeout=180)
        per_round = []
        for i in range(args.rounds):
            asyncio.run(write(args.redis_url, prefix, i))
            marker = f"[{i}]"
            per_round.append([wait_marker(url, marker, domain, args.limit) for _svc, url in servers])
        return summarise(per_round, args)
    finally:
        for svc, _url in servers:
            svc.stop()
        delete_prefix(args.redis_url, prefix)


def run_holders(args: argparse.Namespace) -> dict:
    """The same rounds against in-process LiveKnowledgeBase holders (no action server)."""
    from knowledge_base.live import LiveConfig, LiveKnowledgeBase

    prefix = f"bench:reindex-{uuid.uuid4().hex[:8]}:"
    config = LiveConfig(redis_url=args.redis_url, prefix=prefix, index_dir=args.index_dir)
    holders = [LiveKnowledgeBase(config).start() for _ in range(args.servers)]

    def served(h: LiveKnowledgeBase, marker: str) -> bool:
        res = h.current.search(PARAPHRASE)
        return res.decision == "answer" and res.candidates[0].answer.endswith(marker)

    try:
        per_round = []
        for i in range(args.rounds):
            asyncio.run(write(args.redis_url, prefix, i))
            t0, row = time.monotonic(), [None] * len(holders)
            while None in row and time.monotonic() - t0 < args.limit:
                for j, h in enumerate(holders):
                    if row[j] is None and served(h, f"[{i}]"):
                        row[j] = time.monotonic() - t0
                time.sleep(0.01)
            per_round.append(row)
        out = summarise(per_round, args)
        out["build_s"] = [round(x["seconds"], 3) for x in holders[0].stats.history]
        return out
    finally:
        for h in holders:
            h.stop()
        delete_prefix(args.redis_url, prefix)


def summarise(per_round: list[list[float | None]], args: argparse.Namespace) -> dict:
    seen = [t for row in per_round for t in row if t is not None]
    worst_per_round = [max(row) if None not in row else None for row in per_round]
    edits = [t for t in worst_per_round[1:] if t is not None]
    return {
        "bench": "live_reindex",
        "servers": args.servers,
        "rounds": args.rounds,
        "missed_within_limit": sum(t is None for row in per_round for t in row),
        "limit_s": args.limit,
        "first_publish_all_servers_s": worst_per_round[0],
        "edit_all_servers_p50_s": round(statistics.median(edits), 3) if edits else None,
        "edit_all_servers_max_s": round(max(edits), 3) if edits else None,
        "any_server_p50_s": round(statistics.median(seen), 3) if seen else None,
        "per_round_s": [[round(t, 3) if t is not None else None for t in row] for row in per_round],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--servers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--limit", type=float, default=15.0, help="give up on a round after this many seconds")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    p.add_argument("--index-dir", default=str(ROOT / "var" / "index"))
    p.add_argument("--mode", choices=("actions", "holders"), default="actions",
                   help="real action-server processes (default) or in-process live holders")
    args = p.parse_args()
    out = run(args) if args.mode == "actions" else run_holders(args)
    out["mode"] = args.mode
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
