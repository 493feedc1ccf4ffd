"""covering indexes for the report's wait and handle-time percentiles

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversations_day_wait", "conversations", ["local_day", "wait_s"])
    op.create_index("ix_conversations_day_handle", "conversations", ["local_day", "handle_s"])


def downgrade() -> None:
    op.drop_index("ix_conversations_day_handle", table_name="conversations")
    op.drop_index("ix_conversations_day_wait", table_name="conversations")
