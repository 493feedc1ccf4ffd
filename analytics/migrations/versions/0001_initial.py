"""initial schema: outcome records, callback tasks, complaint texts, daily roll-up

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-05 05:13:20.355784
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('callback_tasks',
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('trigger', sa.String(length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('local_day', sa.String(length=10), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('first_call_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.String(length=60), nullable=True),
    sa.Column('agent', sa.String(length=120), nullable=True),
    sa.Column('has_number', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('task_id')
    )
    with op.batch_alter_table('callback_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_tasks_local_day'), ['local_day'], unique=False)

    op.create_table('complaint_texts',
    sa.Column('event_id', sa.String(length=32), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('local_day', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('classified', sa.Boolean(), nullable=False),
    sa.Column('is_complaint', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('service', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('complaint_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_texts_local_day'), ['local_day'], unique=False)

    op.create_table('conversations',
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('local_day', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('branch', sa.String(length=120), nullable=False),
    sa.Column('service', sa.String(length=120), nullable=False),
    sa.Column('page', sa.String(length=300), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('style', sa.String(length=20), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('clarified', sa.Integer(), nullable=False),
    sa.Column('not_found', sa.Integer(), nullable=False),
    sa.Column('unanswered', sa.Integer(), nullable=False),
    sa.Column('faq_ids', sa.Text(), nullable=False),
    sa.Column('categories', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=120), nullable=False),
    sa.Column('thumbs_up', sa.Integer(), nullable=False),
    sa.Column('thumbs_down', sa.Integer(), nullable=False),
    sa.Column('handoff_reason', sa.String(length=40), nullable=True),
    sa.Column('topic', sa.String(length=120), nullable=True),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('handoff_ended_at', sa.DateTime(), nullable=True),
    sa.Column('wait_s', sa.Float(), nullable=True),
    sa.Column('handle_s', sa.Float(), nullable=True),
    sa.Column('agent', sa.String(length=120), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('abandoned_how', sa.String(length=20), nullable=True),
    sa.Column('left_message', sa.Boolean(), nullable=False),
    sa.Column('csat_score', sa.Integer(), nullable=True),
    sa.Column('csat_target', sa.String(length=10), nullable=True),
    sa.Column('csat_comment', sa.Text(), nullable=True),
    sa.Column('ended_how', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('conversation_id')
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index('ix_conversations_day', ['local_day'], unique=False)

    op.create_table('daily_stats',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('dim', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('conversations', sa.Float(), nullable=False),
    sa.Column('engaged', sa.Float(), nullable=False),
    sa.Column('self_served', sa.Float(), nullable=False),
    sa.Column('handoffs', sa.Float(), nullable=False),
    sa.Column('claimed', sa.Float(), nullable=False),
    sa.Column('abandoned', sa.Float(), nullable=False),
    sa.Column('not_found_convs', sa.Float(), nullable=False),
    sa.Column('unanswered', sa.Float(), nullable=False),
    sa.Column('thumbs_up', sa.Float(), nullable=False),
    sa.Column('thumbs_down', sa.Float(), nullable=False),
    sa.Column('csat_agent_n', sa.Float(), nullable=False),
    sa.Column('csat_agent_good', sa.Float(), nullable=False),
    sa.Column('csat_bot_n', sa.Float(), nullable=False),
    sa.Column('csat_bot_good', sa.Float(), nullable=False),
    sa.Column('handle_sum', sa.Float(), nullable=False),
    sa.Column('handle_n', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'dim', 'key')
    )
    op.create_table('events_seen',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('events_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_seen_at'), ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('events_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_seen_at'))

    op.drop_table('events_seen')
    op.drop_table('daily_stats')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_day')

    op.drop_table('conversations')
    with op.batch_alter_table('complaint_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_texts_local_day'))

    op.drop_table('complaint_texts')
    with op.batch_alter_table('callback_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_tasks_local_day'))

    op.drop_table('callback_tasks')
