"""``python -m handoff`` runs the gateway; ``python -m handoff users ...`` manages staff accounts."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from aiohttp import web

from common.envconf import SettingsError
from common.logs import configure_logging
from handoff.errors import HandoffError
from handoff.settings import Settings, settings_from_env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m handoff", description="Handoff gateway")
    sub = parser.add_subparsers(dest="command")
    users = sub.add_parser("users", help="manage staff accounts").add_subparsers(dest="action", required=True)
    add = users.add_parser("add", help="create an account")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=("agent", "supervisor", "editor"))
    add.add_argument("--display-name", required=True)
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    users.add_parser("list", help="list accounts")
    disable = users.add_parser("disable", help="disable an account and revoke its sessions")
    disable.add_argument("--username", required=True)
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat: ") != first:
        raise HandoffError("passwords differ", "password_mismatch")
    return first


async def _users(settings: Settings, args: argparse.Namespace) -> int:
    import redis.asyncio as aioredis

    from handoff.accounts import AccountStore
    from handoff.keys import Keys

    client = aioredis.Redis.from_url(settings.redis_url)
    store = AccountStore(client, Keys(settings.redis_prefix))
    try:
        if args.action == "add":
            password = _read_password(args.password_stdin)
            account = await store.add(args.username, args.role, args.display_name, password)
            print(f"created {account.role} {account.username}")
        elif args.action == "list":
            for row in await store.list():
                flag = " (disabled)" if row["disabled"] == "1" else ""
                print(f"{row['username']}\t{row['role']}\t{row['display_name']}{flag}")
        else:
            print(f"disabled {args.username}; revoked {await store.disable(args.username)} session(s)")
    finally:
        await client.aclose()
    return 0


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (about twice the websocket throughput), else the standard loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = settings_from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging("handoff", settings.log_level, settings.log_format)
    if args.command == "users":
        try:
            return asyncio.run(_users(settings, args))
        except HandoffError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    from handoff.app import create_app

    try:
        web.run_app(create_app(settings), host=settings.host, port=settings.port, access_log=None,
                    print=None, shutdown_timeout=5, loop=_event_loop())
    except HandoffError as exc:  # refused at start-up (e.g. a Redis too old for the scripts)
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
