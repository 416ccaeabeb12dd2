"""Candidate groups and users drawn on a task (camunda:/flowable:/activiti:, potentialOwner).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "human_task_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_human_task_candidate_task_id", "human_task_candidate", ["task_id"])
    op.create_index("ix_human_task_candidate_who", "human_task_candidate", ["kind", "name"])


def downgrade():
    op.drop_index("ix_human_task_candidate_who", table_name="human_task_candidate")
    op.drop_index("ix_human_task_candidate_task_id", table_name="human_task_candidate")
    op.drop_table("human_task_candidate")
