"""Starting, health-checking and stopping the project's processes.

Shared by ``scripts/devstack.py`` (``make run``) and the test fixtures, so tests start services exactly
the way a user does. Every child runs in its own session (process group): stopping it kills the whole
group, so nothing is orphaned (Rasa, for one, spawns workers).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VENV_PY = ROOT / ".venv" / "bin" / "python"
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str
    log_path: Path
    # A gateway answers /health with 503 while Rasa is down: for "is it up" any HTTP answer counts.
    any_status: bool = False
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited early; see {self.log_path}:\n{tail(self.log_path)}")
            if not self.health_url:  # no HTTP side (the analytics consumer): running is healthy
                return
            if http_ok(self.health_url, any_status=self.any_status):
                return
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not healthy after {timeout:.0f}s; see {self.log_path}:\n{tail(self.log_path)}")

    def stop(self, grace: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        _signal_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _signal_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        # Children of a clean parent may linger in the group: make sure none survive.
        _signal_group(self.proc.pid, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL the whole group at once (crash simulation)."""
        if self.proc is not None:
            _signal_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def http_ok(url: str, timeout: float = 2.0, any_status: bool = False) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except urllib.error.HTTPError:
        return any_status
    except (urllib.error.URLError, OSError, ValueError):
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def current_model() -> Path:
    model = ROOT / "models" / "current.tar.gz"
    if not model.exists():
        raise FileNotFoundError("models/current.tar.gz is missing: run `make train` (or `make test`) first")
    return model.resolve()


def base_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(overrides)
    return env


def action_server(port: int, log_dir: Path, **env: str) -> Service:
    return Service(
        name="actions",
        argv=[str(VENV_PY), "-m", "actions"],
        env=base_env(ACTIONS_HOST="127.0.0.1", ACTIONS_PORT=str(port), **env),
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=log_dir / "actions.log",
    )


def rasa_env(redis_url: str, key_prefix: str) -> dict[str, str]:
    """The variables chatbot/endpoints.yml reads: Rasa's tracker and lock store in Redis (host/port/db)."""
    url = urlparse(redis_url)
    if url.scheme != "redis" or not key_prefix.isalnum():
        raise ValueError(f"Rasa needs a redis:// URL and an alphanumeric key prefix, got {redis_url!r}, {key_prefix!r}")
    return {
        "RASA_REDIS_HOST": url.hostname or "127.0.0.1",
        "RASA_REDIS_PORT": str(url.port or 6379),
        "RASA_REDIS_DB": (url.path or "/0").lstrip("/") or "0",
        "RASA_KEY_PREFIX": key_prefix,
        "CONVERSATION_TTL_S": os.environ.get("CONVERSATION_TTL_S", str(30 * 86400)),
        # A SIGKILLed replica's conversation lock blocks that conversation this long, at most.
        "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME", "20"),
    }


def rasa_server(port: int, action_url: str, log_dir: Path, model: Path | None = None, *,
                redis_url: str = "", key_prefix: str = "", **env: str) -> Service:
    argv = [
        str(RASA_BIN), "run", "--model", str(model or current_model()),
        "--endpoints", "chatbot/endpoints.yml", "--credentials", "chatbot/credentials.yml",
        "--logging-config-file", "chatbot/logging.yml",  # citizen text never reaches rasa.log
        "-i", "127.0.0.1", "-p", str(port),
    ]
    store = rasa_env(redis_url or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                     key_prefix or os.environ.get("RASA_KEY_PREFIX", "rasa"))
    return Service(
        name="rasa",
        argv=argv,
        env=base_env(ACTION_SERVER_URL=action_url, **(store | env)),
        health_url=f"http://127.0.0.1:{port}/",
        log_path=log_dir / f"rasa-{port}.log",
    )


def gateway(port: int, log_dir: Path, **env: str) -> Service:
    return Service(
        name="handoff",
        argv=[str(VENV_PY), "-m", "handoff"],
        env=base_env(HOST="127.0.0.1", PORT=str(port), **env),
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=log_dir / f"handoff-{port}.log",
        any_status=True,
    )


def analytics_consumer(log_dir: Path, **env: str) -> Service:
    """The analytics stream consumer (python -m analytics consume); migrates its store first."""
    return Service(
        name="analytics",
        argv=[str(VENV_PY), "-m", "analytics", "consume"],
        env=base_env(**env),
        health_url="",
        log_path=log_dir / "analytics.log",
    )
