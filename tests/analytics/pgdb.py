"""A PostgreSQL database of its own for a test (127.0.0.1:5432, trust auth, database `test`)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from analytics.scratchdb import create_scratch_database, drop_database

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pg_answers() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # nothing listening / refused: the only reason to skip
        return False


def pg_database(admin_url: str) -> tuple[str, str]:
    return create_scratch_database(admin_url, "analytics_test")


drop_pg_database = drop_database
