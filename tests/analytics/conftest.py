"""Stores for the analytics tests: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from analytics.migrate import upgrade
from analytics.store import make_engine

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_answers() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # nothing listening / refused: the only reason to skip
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    if not _pg_answers():
        msg = ("!!! PostgreSQL does not answer at 127.0.0.1:5432 (database `test`): the PostgreSQL half of the "
               "analytics store tests is SKIPPED; start PostgreSQL 15 to run it !!!")
        warnings.warn(msg, stacklevel=1)
        print("\n" + msg)
        pytest.skip(msg)
    return PG_ADMIN_URL


def pg_database(admin_url: str) -> tuple[str, str]:
    name = f"analytics_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


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
