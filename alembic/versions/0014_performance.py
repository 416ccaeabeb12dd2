"""Performance: the change counters (engine.generation) and
indexes for the inbox, case-list and dashboard queries.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # engine.generation: 1 credentials, 2 configuration
    op.create_table("generation",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("value", sa.BigInteger(), nullable=False))
    op.execute("INSERT INTO generation (id, value) VALUES (1, 0), (2, 0)")
    # The inbox: open (READY) rows only, in the inbox's ORDER BY order, whole and per lane / assignee.
    ready = sa.text("state = 'READY'")
    op.create_index("ix_human_task_ready", "human_task", ["created_at", "id"],
                    postgresql_where=ready, sqlite_where=ready)
    op.create_index("ix_human_task_ready_lane", "human_task", ["lane", "created_at", "id"],
                    postgresql_where=ready, sqlite_where=ready)
    op.create_index("ix_human_task_ready_assignee", "human_task", ["assignee", "created_at", "id"],
                    postgresql_where=ready, sqlite_where=ready)
    # The case list (newest first) by status and by matter.
    op.create_index("ix_case_status_id", "case", ["status", "id"])
    op.create_index("ix_case_process_id", "case", ["process_key", "id"])


def downgrade():
    for name, table in (("ix_case_process_id", "case"), ("ix_case_status_id", "case"),
                        ("ix_human_task_ready_assignee", "human_task"), ("ix_human_task_ready_lane", "human_task"),
                        ("ix_human_task_ready", "human_task")):
        op.drop_index(name, table)
    op.drop_table("generation")
