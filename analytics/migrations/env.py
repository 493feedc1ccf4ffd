"""Alembic environment: the URL comes from the caller (analytics.migrate) or ANALYTICS_DB_URL."""

from __future__ import annotations

from alembic import context

from analytics.settings import AnalyticsSettings
from analytics.store import make_engine, metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or AnalyticsSettings.from_env().db_url
connection = config.attributes.get("connection")


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
