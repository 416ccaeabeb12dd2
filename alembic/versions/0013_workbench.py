"""Analyst workbench: change notes on versions, drafts, sandbox trials.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("definition") as t:
        t.add_column(sa.Column("note", sa.String(length=2000), nullable=True))
    op.create_table(
        "draft",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
    )
    op.create_table(
        "trial",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_key", sa.String(length=200), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("completed", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
    )
    op.create_index("ix_trial_draft_key", "trial", ["draft_key"])


def downgrade():
    op.drop_index("ix_trial_draft_key", "trial")
    op.drop_table("trial")
    op.drop_table("draft")
    with op.batch_alter_table("definition") as t:
        t.drop_column("note")
