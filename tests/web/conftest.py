"""Browser fixtures: one Chromium for the tests/web package (Debian's, through Playwright), a fresh context per test,
and a real gateway process (with the real Rasa stack) that the browser pages talk to."""

from __future__ import annotations

import mimetypes
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from scripts import procs
from scripts.redis_prefix import delete_prefix
from tests.web.pages import AGENT_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STATIC = procs.ROOT / "handoff" / "static"
ARTIFACTS = procs.ROOT / "tests" / "artifacts"
STATIC_ORIGIN = "http://widget.test"


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    """One Chromium for the whole tests/web package, closed when the package's last test has run.

    Playwright's sync API keeps its event loop marked as running in the main thread for as long as it is
    open, and asyncio.Runner (pytest-asyncio) refuses to start inside a running loop. A session-scoped
    browser broke every async test that ran after the browser tests; package scope (tests/web has an
    __init__.py for it) stops Playwright before pytest leaves the package. So: no async tests in tests/web."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (Debian's Chromium drives these tests)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="ar-SA")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def static_page(browser) -> Iterator[object]:
    """A page on a fake origin whose /static/* is served straight from handoff/static (no server):
    for exercising the widget's own modules (rendering, validation) in the real browser. One per module:
    the tests only call pure functions of the modules."""

    def serve(route) -> None:
        path = route.request.url.removeprefix(STATIC_ORIGIN).split("?")[0]
        if path == "/":
            route.fulfill(body="<!doctype html><html lang=ar dir=rtl><body></body></html>", content_type="text/html")
            return
        local = (STATIC / path.removeprefix("/static/")).resolve()
        if not local.is_file() or STATIC not in local.parents:
            route.fulfill(status=404, body="not found")
            return
        ctype = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
        if local.suffix == ".js":
            ctype = "text/javascript"
        route.fulfill(body=local.read_bytes(), content_type=ctype)

    ctx = browser.new_context()
    page = ctx.new_page()
    page.route(f"{STATIC_ORIGIN}/**", serve)
    page.goto(f"{STATIC_ORIGIN}/")
    yield page
    ctx.close()


@dataclass
class WebGateway:
    url: str
    prefix: str
    redis_url: str
    agents: list[tuple[str, str]] = field(default_factory=list)  # (username, display name)
    editor: str = ""
    supervisor: str = ""
    service: procs.Service | None = None

    def agent(self, n: int) -> str:
        """Username of agent n (1-based); each test module uses its own agent."""
        return self.agents[n - 1][0]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url, decode_responses=True)


def add_users(env: dict[str, str], users: list[tuple[str, str, str]]) -> None:
    """`python -m handoff users add` for each (username, role, display name), the processes run side by side."""
    procs_ = []
    for username, role, display in users:
        argv = [str(procs.VENV_PY), "-m", "handoff", "users", "add", "--username", username, "--role", role,
                "--display-name", display, "--password-stdin"]
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=env, cwd=procs.ROOT, text=True)
        procs_.append((username, proc))
    for username, proc in procs_:
        out, _ = proc.communicate(AGENT_PASSWORD + "\n", timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"`handoff users add {username}` failed: {out}")


AGENT_NAMES = ["نورة", "خالد", "ريم", "فهد"]


@contextmanager
def running_gateway(rasa_url: str, redis_url: str, log_dir: Path, prefix: str | None = None,
                    **extra: str) -> Iterator[WebGateway]:
    """A real `python -m handoff` with agent, editor and supervisor accounts (unique usernames, so a
    shared prefix never collides). With prefix=None it gets its own prefix, deleted afterwards."""
    own_prefix = prefix is None
    prefix = prefix or f"test:web-{uuid.uuid4().hex[:8]}:"
    tag = uuid.uuid4().hex[:6]
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"REDIS_URL": redis_url, "REDIS_PREFIX": prefix, "RASA_URL": rasa_url, "ALLOWED_ORIGINS": url,
           "LOG_LEVEL": "WARNING",
           # The whole browser suite starts its conversations from 127.0.0.1.
           "CITIZEN_NEW_CONVERSATIONS_PER_HOUR": "100000", **extra}
    service = procs.gateway(port, log_dir, **env)
    service.any_status = True
    gw = WebGateway(url=url, prefix=prefix, redis_url=redis_url, service=service)
    try:
        gw.agents = [(f"web{tag}a{i}", display) for i, display in enumerate(AGENT_NAMES, start=1)]
        gw.editor, gw.supervisor = f"web{tag}ed", f"web{tag}sup"
        service.start()  # boots while the accounts are written
        add_users(procs.base_env(**env), [(u, "agent", d) for u, d in gw.agents]
                  + [(gw.editor, "editor", "محرر المحتوى"), (gw.supervisor, "supervisor", "المشرف")])
        service.wait_healthy(timeout=90)
        yield gw
    finally:
        service.stop()
        if own_prefix:
            delete_prefix(redis_url, prefix)




@pytest.fixture(scope="session")
def web_gateway(rasa_stack, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebGateway]:
    """The gateway most browser tests share (one process per session keeps the suite fast). It uses the
    Rasa stack's Redis prefix, as a deployment does, so FAQ entries written through its editor API reach
    the action server's live index (rasa_stack deletes the prefix at the end)."""
    with running_gateway(rasa_stack.rasa_url, redis_url, tmp_path_factory.mktemp("web-gw"),
                         prefix=rasa_stack.redis_prefix) as gw:
        yield gw


def shot(page, name: str) -> Path:
    """Save a screenshot under tests/artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
