"""Stores for the analytics tests: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator

import pytest
from pgdb import PG_ADMIN_URL, drop_pg_database, pg_answers, pg_database
from sqlalchemy import Engine

from analytics.migrate import upgrade
from analytics.store import make_engine


@pytest.fixture(scope="session")
def pg_server() -> str:
    if not pg_answers():
        msg = ("!!! PostgreSQL does not answer at 127.0.0.1:5432 (database `test`): the PostgreSQL half of the "
               "analytics store tests is SKIPPED; start PostgreSQL 15 to run it !!!")
        warnings.warn(msg, stacklevel=1)
        print("\n" + msg)
        pytest.skip(msg)
    return PG_ADMIN_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/analytics.sqlite3"
        return
    admin = request.getfixturevalue("pg_server")
    name, url = pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


@pytest.fixture
def store(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _collect_leaks() -> Iterator[None]:
    """A database connection an analytics test leaves open is reported here, in the test that leaked it, not
    later inside whichever strict test the garbage collector happens to run in (tests/conftest.py)."""
    yield
    gc.collect()
