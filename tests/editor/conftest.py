"""The gateway's real app (create_app) with the editor API, real accounts and a real live index, per module.

Starting the live index costs a few seconds, so a module shares one app (and one key prefix); each
test uses its own entry ids.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from handoff.app import create_app
from handoff.appkeys import ACCOUNTS_KEY, FAQ_STORE_KEY, LIVE_KB_KEY
from handoff.settings import Settings
from scripts.redis_prefix import delete_prefix
from tests.conftest import INDEX_DIR, TEST_REDIS_URL

PASSWORD = "correct horse battery"


@dataclass
class EditorApp:
    client: TestClient
    tokens: dict[str, str]
    prefix: str
    app: web.Application

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    @property
    def store(self) -> Any:
        return self.app[FAQ_STORE_KEY]

    @property
    def live(self) -> Any:
        return self.app[LIVE_KB_KEY]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(monkeypatch_module: pytest.MonkeyPatch) -> Any:
    prefix = f"test:ed-{uuid.uuid4().hex[:10]}:"
    settings = Settings(redis_url=TEST_REDIS_URL, redis_prefix=prefix, kb_index_dir=str(INDEX_DIR))
    app = create_app(settings)  # the gateway's own app
    accounts = app[ACCOUNTS_KEY]
    tokens = {}
    for role in ("editor", "supervisor", "agent"):
        await accounts.add(f"{role}1", role, f"{role} one", PASSWORD)
        tokens[role] = (await accounts.login(f"{role}1", PASSWORD, "127.0.0.1")).token
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield EditorApp(client, tokens, prefix, app)
    finally:
        await client.close()
        delete_prefix(TEST_REDIS_URL, prefix)


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
