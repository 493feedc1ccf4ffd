"""Throw-away PostgreSQL databases beside a server's admin database (tests and benchmarks, never the service)."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text


def create_scratch_database(admin_url: str, stem: str) -> tuple[str, str]:
    """Create `<stem>_<random>` on the server of `admin_url`; return (name, URL of the new database)."""
    name = f"{stem}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
