"""`make run` and `make test` orchestration: Redis, action server, Rasa, gateway; clean stop on Ctrl-C.

    python scripts/devstack.py run            start everything, print the URLs, wait for Ctrl-C
    python scripts/devstack.py test [ARGS]    make sure Redis answers, then run pytest ARGS
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from handoff.accounts import MIN_PASSWORD_CHARS
from handoff.keys import Keys
from handoff.settings import Settings
from scripts import procs

ROOT = procs.ROOT
LOG_DIR = ROOT / "var" / "log"


def load_dotenv(path: Path = ROOT / ".env") -> None:
    """Values already in the environment win over .env, like docker compose."""
    if not path.exists():
        return
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def ensure_redis(url: str) -> procs.Service | None:
    """Return a Redis we started (to stop later), or None when one already answers."""
    if redis_answers(url):
        print(f"redis: answering at {url}")
        return None
    parsed = urlparse(url)
    if parsed.hostname not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit(f"error: REDIS_URL={url} does not answer and is not local: start that Redis or change REDIS_URL")
    port = parsed.port or 6379
    data = ROOT / "var" / "redis"
    data.mkdir(parents=True, exist_ok=True)
    server = procs.Service(
        name="redis",
        argv=["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--dir", str(data),
              "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
        env=procs.base_env(),
        health_url="",
        log_path=LOG_DIR / "redis.log",
    )
    try:
        server.start()
    except FileNotFoundError:
        sys.exit("error: no Redis answers and redis-server is not installed: apt-get install redis-server")
    deadline = time.monotonic() + 15
    while not redis_answers(url):
        if not server.alive() or time.monotonic() > deadline:
            sys.exit(f"error: could not start redis-server on port {port}; see {server.log_path}")
        time.sleep(0.1)
    print(f"redis: started with AOF persistence in {data} (port {port})")
    return server


def stack_services() -> list[procs.Service]:
    env = os.environ
    action_port = int(env.get("ACTIONS_PORT", "5055"))
    rasa_port = int(env.get("RASA_PORT", "5005"))
    gateway_port = int(env.get("PORT", "8080"))
    common = {"KB_INDEX_DIR": env.get("KB_INDEX_DIR", str(ROOT / "var" / "index"))}
    actions = procs.action_server(action_port, LOG_DIR, **common)
    rasa = procs.rasa_server(rasa_port, f"http://127.0.0.1:{action_port}/webhook", LOG_DIR)
    gateway = procs.gateway(
        gateway_port, LOG_DIR, RASA_URL=env.get("RASA_URL", f"http://127.0.0.1:{rasa_port}"),
        ACTION_HEALTH_URL=env.get("ACTION_HEALTH_URL") or f"http://127.0.0.1:{action_port}/health", **common
    )
    gateway.log_path = LOG_DIR / "handoff.log"
    gateway.any_status = False
    # Outcome records for the KPI reports: SQLite under var/ unless ANALYTICS_DB_URL says otherwise.
    analytics = procs.analytics_consumer(LOG_DIR)
    return [actions, rasa, gateway, analytics]


def run() -> int:
    load_dotenv()
    url = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    started: list[procs.Service] = []
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        redis_server = ensure_redis(url)
        if redis_server:
            started.append(redis_server)
        services = stack_services()
        for service in services:
            started.append(service.start())
            print(f"{service.name}: starting (log: {service.log_path.relative_to(ROOT)})")
        for service in services:
            service.wait_healthy(timeout=300)
        prefix = os.environ.get("REDIS_PREFIX", Settings.redis_prefix)
        print_urls(int(os.environ.get("PORT", "8080")), accounts_help(account_count(url, prefix), os.environ))
        return supervise(started, stop)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        for service in reversed(started):
            service.stop()
        print("all services stopped")


def supervise(started: list[procs.Service], stop: threading.Event) -> int:
    while not stop.wait(1.0):
        for service in started:
            if not service.alive():
                print(f"error: {service.name} exited; see {service.log_path}", file=sys.stderr)
                return 1
    print("\nstopping…")
    return 0


def print_urls(port: int, accounts: str = "") -> None:
    base = f"http://127.0.0.1:{port}"
    print("\nEverything is up:")
    print(f"  citizen demo page (widget)  {base}/")
    print(f"  agent console               {base}/console")
    print(f"  FAQ editor                  {base}/editor")
    demo = " (demo data: python -m analytics demo)" if os.environ.get("ANALYTICS_DEMO", "").lower() == "true" else ""
    print(f"  KPI dashboard (supervisors) {base}/dashboard{demo}")
    print(f"  health                      {base}/health")
    print(f"  metrics                     {base}/metrics")
    if accounts:
        print(accounts)
    print("Press Ctrl-C to stop every service.", flush=True)


def account_count(url: str, prefix: str) -> int | None:
    """How many staff accounts the gateway's Redis holds (None: could not tell)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return int(client.scard(Keys(prefix).accounts))
    except (redis.RedisError, OSError):
        return None
    finally:
        client.close()


def accounts_help(count: int | None, env: Mapping[str, str]) -> str:
    """What a newcomer needs before the console and the editor let them in: the account commands (run with
    this stack's Redis settings) and the password rule, up front."""
    where = "".join(f"{name}={shlex.quote(env[name])} " for name, default in
                    (("REDIS_URL", Settings.redis_url), ("REDIS_PREFIX", Settings.redis_prefix))
                    if env.get(name, default) != default)
    cmd = f"{where}.venv/bin/python -m handoff users add"
    state = ("No staff account exists yet: the console and the editor need one." if count == 0
             else f"Staff accounts: {count}." if count else "Staff accounts: the console and the editor need one.")
    return "\n".join([
        "", state, "Create accounts in another terminal (each asks for a password twice):",
        f'  {cmd} --username supervisor1 --role supervisor --display-name "المشرف"',
        f'  {cmd} --username agent1 --role agent --display-name "نورة"',
        f"Passwords: at least {MIN_PASSWORD_CHARS} characters. Roles: agent (console), editor (FAQ editor),"
        " supervisor (both).",
        f"List them: {where}.venv/bin/python -m handoff users list",
    ])


def test(args: list[str]) -> int:
    load_dotenv()
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis_server = ensure_redis(url)
    try:
        return subprocess.call([str(procs.VENV_PY), "-m", "pytest", *args], cwd=ROOT)
    finally:
        if redis_server:
            redis_server.stop()


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        return 2
    return run() if sys.argv[1] == "run" else test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
