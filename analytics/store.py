"""The analytics store: SQLAlchemy 2 Core tables (SQLite by default, PostgreSQL at scale).

The schema is created and changed only by Alembic (analytics/migrations); ``migrate`` runs it.
Times are UTC; ``local_day`` is the conversation's start date in the reporting TIMEZONE, so days, weeks
and quarters group without per-database date functions.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

metadata = MetaData()

events_seen = Table(
    "events_seen", metadata,
    Column("id", String(32), primary_key=True),
    Column("type", String(40), nullable=False),
    Column("at", DateTime(), nullable=False, index=True),
)

conversations = Table(
    "conversations", metadata,
    Column("conversation_id", String(64), primary_key=True),
    Column("started_at", DateTime(), nullable=False),
    Column("ended_at", DateTime()),
    Column("local_day", String(10), nullable=False),
    Column("channel", String(40), nullable=False, default="unknown"),
    Column("branch", String(120), nullable=False, default="unknown"),
    Column("service", String(120), nullable=False, default="unknown"),
    Column("page", String(300), nullable=False, default=""),
    Column("language", String(10), nullable=False, default="unknown"),
    Column("style", String(20), nullable=False, default="unknown"),
    Column("decisions", Integer, nullable=False, default=0),
    Column("questions", Integer, nullable=False, default=0),  # decisions other than chit-chat
    Column("answered", Integer, nullable=False, default=0),
    Column("clarified", Integer, nullable=False, default=0),
    Column("not_found", Integer, nullable=False, default=0),  # out-of-scope decisions
    Column("unanswered", Integer, nullable=False, default=0),
    Column("faq_ids", Text, nullable=False, default=""),
    Column("categories", Text, nullable=False, default=""),
    Column("category", String(120), nullable=False, default="unknown"),  # the first one: the topic
    Column("thumbs_up", Integer, nullable=False, default=0),
    Column("thumbs_down", Integer, nullable=False, default=0),
    Column("handoff_reason", String(40)),
    Column("topic", String(120)),
    Column("queued_at", DateTime()),
    Column("claimed_at", DateTime()),
    Column("handoff_ended_at", DateTime()),
    Column("wait_s", Float),
    Column("handle_s", Float),
    Column("agent", String(120)),
    Column("outcome", String(40)),
    Column("abandoned_how", String(20)),
    Column("left_message", Boolean, nullable=False, default=False),
    Column("csat_score", Integer),
    Column("csat_target", String(10)),
    Column("csat_comment", Text),
    Column("ended_how", String(40)),
    Index("ix_conversations_day", "local_day"),
    # Covering indexes: the report reads a quarter's waits and handle times without touching the rows.
    Index("ix_conversations_day_wait", "local_day", "wait_s"),
    Index("ix_conversations_day_handle", "local_day", "handle_s"),
)

callback_tasks = Table(
    "callback_tasks", metadata,
    Column("task_id", String(64), primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("trigger", String(30), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("local_day", String(10), nullable=False, index=True),
    Column("due_at", DateTime(), nullable=False),
    Column("first_call_at", DateTime()),
    Column("result", String(20)),
    Column("reason", String(60)),
    Column("agent", String(120)),
    Column("has_number", Boolean, nullable=False, default=False),
)

complaint_texts = Table(
    "complaint_texts", metadata,
    Column("event_id", String(32), primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("source", String(10), nullable=False),  # csat | message
    Column("at", DateTime(), nullable=False),
    Column("local_day", String(10), nullable=False, index=True),
    Column("text", Text, nullable=False),  # masked
    Column("classified", Boolean, nullable=False, default=False),
    Column("is_complaint", Boolean),
    Column("reason", String(40)),
    Column("service", String(120)),
)

# One row per (day, dimension, key) with the additive sums the KPIs divide (analytics/rollup.py).
daily_stats = Table(
    "daily_stats", metadata,
    Column("day", String(10), primary_key=True),
    Column("dim", String(20), primary_key=True),
    Column("key", String(120), primary_key=True),
    *(Column(name, Float, nullable=False, default=0) for name in (
        "conversations", "engaged", "self_served", "handoffs", "claimed", "abandoned", "not_found_convs",
        "unanswered", "thumbs_up", "thumbs_down", "csat_agent_n", "csat_agent_good", "csat_bot_n",
        "csat_bot_good", "handle_sum", "handle_n")),
)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created, and SQLite runs in WAL mode."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (the report) do not block the consumer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
