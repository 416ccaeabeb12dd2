"""Supervision (电子监察): case and step clocks, cards, outcomes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("case") as t:
        t.add_column(sa.Column("clock_started_at", TS, nullable=True))
        t.add_column(sa.Column("legal_due_at", TS, nullable=True))
        t.add_column(sa.Column("promised_due_at", TS, nullable=True))
        t.add_column(sa.Column("paused_at", TS, nullable=True))
        t.add_column(sa.Column("pause_reason", sa.String(length=100), nullable=True))
        t.add_column(sa.Column("paused_days", sa.Integer(), nullable=False, server_default="0"))
        t.add_column(sa.Column("card", sa.String(length=8), nullable=False, server_default=""))
        t.add_column(sa.Column("next_card_at", TS, nullable=True))
        t.add_column(sa.Column("outcome", sa.String(length=100), nullable=True))
        t.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
    op.create_index("ix_case_next_card_at", "case", ["next_card_at"])
    with op.batch_alter_table("human_task") as t:
        t.add_column(sa.Column("limit_days", sa.Integer(), nullable=True))
        t.add_column(sa.Column("card", sa.String(length=8), nullable=False, server_default=""))
        t.add_column(sa.Column("next_card_at", TS, nullable=True))
    op.create_index("ix_human_task_next_card_at", "human_task", ["next_card_at"])


def downgrade():
    op.drop_index("ix_human_task_next_card_at", "human_task")
    with op.batch_alter_table("human_task") as t:
        for name in ("next_card_at", "card", "limit_days"):
            t.drop_column(name)
    op.drop_index("ix_case_next_card_at", "case")
    with op.batch_alter_table("case") as t:
        for name in ("channel", "outcome", "next_card_at", "card", "paused_days", "pause_reason", "paused_at",
                     "promised_due_at", "legal_due_at", "clock_started_at"):
            t.drop_column(name)
