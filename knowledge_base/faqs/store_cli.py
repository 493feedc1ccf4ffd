"""`python -m knowledge_base import|export`: seed the Redis FAQ store from files and write it back.

import                      seed from knowledge_base/corpus/ (YAML/JSONL/CSV corpus files); upserts by id
import --file F.csv|.jsonl|.xlsx [--dry-run]   editor-format import, with a per-row report
import --if-empty           only when the store has no entries (what services do at start-up)
export --out F.jsonl|.csv|.xlsx  (or --out - for JSON Lines on stdout)
Redis: REDIS_URL (default redis://127.0.0.1:6379/0), key prefix REDIS_PREFIX (default faq:).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import redis.asyncio as aioredis

from common.envconf import SettingsError, env_str, env_url
from knowledge_base.engine.corpus import load_corpus
from knowledge_base.engine.errors import KnowledgeBaseError
from knowledge_base.faqs.importexport import FORMATS, ImportFormatError, export_bytes, run_import
from knowledge_base.faqs.keys import DEFAULT_PREFIX, KbKeys
from knowledge_base.faqs.store import FaqStore
from knowledge_base.faqs.stored import from_faq_entry
from knowledge_base.faqs.validation import ValidationFailed

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m knowledge_base", description="FAQ store import/export")
    sub = p.add_subparsers(dest="cmd", required=True)
    imp = sub.add_parser("import", help="load FAQ entries into the Redis store")
    imp.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="corpus file or directory (default: %(default)s)")
    imp.add_argument("--file", help="an editor export (.csv, .jsonl, .xlsx) instead of the corpus")
    imp.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    imp.add_argument("--if-empty", action="store_true", help="do nothing when the store already has entries")
    exp = sub.add_parser("export", help="write the store's entries to a file")
    exp.add_argument("--out", required=True, help="file path (.jsonl, .csv, .xlsx) or - for stdout")
    exp.add_argument("--format", choices=FORMATS, help="default: from the --out suffix")
    return p


def _store() -> FaqStore:
    url = env_url("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss", "unix"))
    return FaqStore(aioredis.from_url(url, decode_responses=True), KbKeys(env_str("REDIS_PREFIX", DEFAULT_PREFIX)))


async def _import(store: FaqStore, args: argparse.Namespace) -> int:
    if args.if_empty and await store.count() > 0:
        print(json.dumps({"skipped": "store not empty", "entries": await store.count()}))
        return 0
    if args.file:
        path = Path(args.file)
        payload = await asyncio.to_thread(path.read_bytes)
        report = await run_import(store, payload, path.suffix.lstrip("."), "cli:import", args.dry_run)
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        return 1 if report.counts()["reject"] else 0
    entries = load_corpus(args.corpus)
    if args.dry_run:
        print(json.dumps({"would_upsert": len(entries)}))
        return 0
    changes = await store.upsert_many([from_faq_entry(e) for e in entries], "cli:import", action="import")
    print(json.dumps({"entries": len(entries), "changed": len(changes), "version": await store.version()}))
    return 0


async def _export(store: FaqStore, args: argparse.Namespace) -> int:
    fmt = args.format or ("jsonl" if args.out == "-" else Path(args.out).suffix.lstrip("."))
    data = export_bytes(await store.all(), fmt)
    if args.out == "-":
        sys.stdout.buffer.write(data)
    else:
        await asyncio.to_thread(_write, Path(args.out), data)
        print(json.dumps({"out": args.out, "format": fmt, "bytes": len(data)}))
    return 0


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _run(args: argparse.Namespace) -> int:
    store = _store()
    try:
        return await (_import(store, args) if args.cmd == "import" else _export(store, args))
    finally:
        await store.redis.aclose()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (SettingsError, KnowledgeBaseError, ImportFormatError, ValidationFailed, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
