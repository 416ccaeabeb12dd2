"""Clerk operations: opinions, attachments, tasks made by operations (加签, 委派), 抄送, 催办, 补正告知.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    # 退回 and 撤回 reopen a workflow task under its old id: a task id may now have several
    # rows (one per round), of which at most one is open (the engine keeps that).
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("human_task_case_id_spiff_task_id_key", "human_task", type_="unique")
    else:
        with op.batch_alter_table("human_task", recreate="always",
                                  naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as t:
            t.drop_constraint("uq_human_task_case_id", type_="unique")
    op.create_index("ix_human_task_spiff", "human_task", ["case_id", "spiff_task_id"])
    with op.batch_alter_table("human_task") as t:
        # "task": drawn in the diagram; "sign": made by 加签 beside the diagram's task it belongs to.
        t.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="task"))
        t.add_column(sa.Column("parent_task_id", sa.Integer(), nullable=True))
        t.add_column(sa.Column("sign_position", sa.String(length=8), nullable=True))
        t.add_column(sa.Column("owner", sa.String(length=100), nullable=True))  # 委派: who delegated
        t.add_column(sa.Column("delegation", sa.String(length=16), nullable=True))  # pending|resolved
        t.add_column(sa.Column("pending_data", sa.JSON(), nullable=True))
        t.add_column(sa.Column("opinion", sa.Text(), nullable=True))
        t.add_column(sa.Column("urge_count", sa.Integer(), nullable=False, server_default="0"))
        t.add_column(sa.Column("last_urged_at", TS, nullable=True))
    op.create_index("ix_human_task_parent_task_id", "human_task", ["parent_task_id"])

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
    )
    op.create_index("ix_attachment_case_id", "attachment", ["case_id"])

    op.create_table(
        "task_cc",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("from_user", sa.String(length=100), nullable=False),
        sa.Column("to_user", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False, server_default=""),
        sa.Column("at", TS, nullable=False),
        sa.Column("read_at", TS, nullable=True),
    )
    op.create_index("ix_task_cc_to_user", "task_cc", ["to_user"])
    op.create_index("ix_task_cc_case_id", "task_cc", ["case_id"])

    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False, server_default=""),
        sa.Column("opened_by", sa.String(length=100), nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
    )
    op.create_index("ix_correction_case_id", "correction", ["case_id"])


def downgrade():
    op.drop_table("correction")
    op.drop_table("task_cc")
    op.drop_table("attachment")
    op.drop_index("ix_human_task_parent_task_id", "human_task")
    op.drop_index("ix_human_task_spiff", "human_task")
    with op.batch_alter_table("human_task") as t:
        for name in ("last_urged_at", "urge_count", "opinion", "pending_data", "delegation", "owner",
                     "sign_position", "parent_task_id", "kind"):
            t.drop_column(name)
