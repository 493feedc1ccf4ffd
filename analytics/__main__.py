"""``python -m analytics consume|migrate|health|report|demo`` (see README "Analytics", docs/dashboard.md)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from typing import Any

import redis
from sqlalchemy import func, select

from analytics import keys
from analytics.demo import DemoError, demo_db_url
from analytics.demo import fill as demo_fill
from analytics.migrate import upgrade
from analytics.pdf_report import PdfUnavailable
from analytics.periods import PeriodError, date_range, gregorian_quarter, hijri_quarter
from analytics.report import FILTERS, build_report
from analytics.settings import AnalyticsSettings
from analytics.store import conversations, make_engine
from common.envconf import SettingsError
from common.logs import configure_logging

log = logging.getLogger("analytics")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m analytics", description="Conversation outcome analytics (#14).")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the store's schema (Alembic)")
    sub.add_parser("consume", help="read the event stream into the store (runs until stopped)")
    sub.add_parser("health", help="print the stream backlog and the store's row count as JSON")
    rep = sub.add_parser("report", help="the KPI report of a period")
    when = rep.add_mutually_exclusive_group(required=True)
    when.add_argument("--quarter", help="Gregorian quarter, e.g. 2026-Q4")
    when.add_argument("--hijri-quarter", help="Umm al-Qura quarter, e.g. 1448-Q2")
    when.add_argument("--from", dest="first", help="first day YYYY-MM-DD (with --to)")
    rep.add_argument("--to", dest="last", help="last day YYYY-MM-DD, included")
    rep.add_argument("--format", choices=("json", "xlsx", "pdf"), default="json")
    rep.add_argument("--out", help="output file (json: default stdout)")
    rep.add_argument("--demo", action="store_true", help="report the demo database (ANALYTICS_DEMO_DB_URL)")
    for name in FILTERS:
        rep.add_argument(f"--{name}", help=f"only this {name}")
    demo = sub.add_parser("demo", help="fill the separate demo database (ANALYTICS_DEMO_DB_URL) with synthetic history")
    demo.add_argument("--days", type=int, default=120, help="days of history ending now (default 120)")
    demo.add_argument("--seed", type=int, default=1448, help="random seed (the same seed gives the same history)")
    return p


def _period(args: argparse.Namespace) -> Any:
    if args.quarter:
        return gregorian_quarter(args.quarter)
    if args.hijri_quarter:
        return hijri_quarter(args.hijri_quarter)
    if not args.last:
        raise PeriodError("--from needs --to")
    return date_range(args.first, args.last)


def _report(s: AnalyticsSettings, args: argparse.Namespace) -> int:
    period = _period(args)
    # --demo reads the demo database, never the real one (docs/dashboard.md).
    engine = make_engine(demo_db_url() if args.demo else s.db_url)
    upgrade(engine)
    data = build_report(engine, period, {k: getattr(args, k) for k in FILTERS}, s.timezone, demo=args.demo)
    if args.format != "json":
        from analytics import render  # the dashboard's renderers (xlsx, pdf)

        print(render.write(data, args.format, args.out))
        return 0
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


def _health(s: AnalyticsSettings) -> int:
    client = redis.Redis.from_url(s.redis_url)
    stream = keys.stream(s.redis_prefix)
    backlog = None
    try:
        for group in client.xinfo_groups(stream):
            if group["name"] in (s.group, s.group.encode()):
                backlog = {"pending": group["pending"], "lag": group.get("lag")}
    except redis.ResponseError:
        backlog = {"pending": 0, "lag": None, "note": "no stream yet"}
    engine = make_engine(s.db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(conversations)).scalar_one()
    print(json.dumps({"stream": stream, "group": backlog, "conversations": rows,
                      "db": engine.url.render_as_string(hide_password=True)}))
    return 0


def _consume(s: AnalyticsSettings) -> int:
    from analytics.consumer import Consumer

    engine = make_engine(s.db_url)
    upgrade(engine)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    consumer = Consumer(s, engine, redis.Redis.from_url(s.redis_url))
    log.info("analytics consumer started", extra={"stream": consumer.stream})
    try:
        consumer.run(stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        pass
    consumer.housekeeping(idle=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        s = AnalyticsSettings.from_env()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging("analytics", s.log_level, s.log_format)
    try:
        if args.command == "migrate":
            upgrade(make_engine(s.db_url))
            print(json.dumps({"migrated": make_engine(s.db_url).url.render_as_string(hide_password=True)}))
            return 0
        if args.command == "health":
            return _health(s)
        if args.command == "report":
            return _report(s, args)
        if args.command == "demo":
            print(json.dumps(demo_fill(demo_db_url(), s.db_url, args.days, seed=args.seed, tz=s.timezone),
                             ensure_ascii=False))
            return 0
        return _consume(s)
    except (PeriodError, DemoError, PdfUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
