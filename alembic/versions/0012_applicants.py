"""Applicants (#10b): identity number on the user, applications (一件事), drafts,
uploads made before a case exists, and the credit blacklist (告知承诺 / 一处失信、处处受限).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("user_account") as t:
        t.add_column(sa.Column("id_number", sa.String(length=32), nullable=True))
    # One account per identity number; staff have none (NULLs never collide).
    op.create_index("ix_user_account_id_number", "user_account", ["id_number"], unique=True)

    op.create_table(
        "theme",
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("theme_key", sa.String(length=200), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=True),
        sa.Column("applicant_kind", sa.String(length=8), nullable=False),
        sa.Column("applicant_id_number", sa.String(length=32), nullable=False, index=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("commitments", sa.JSON(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    with op.batch_alter_table("case") as t:
        t.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
    op.create_index("ix_case_application_id", "case", ["application_id"])

    op.create_table(
        "application_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=210), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("uploads", sa.JSON(), nullable=False),
        sa.Column("commitments", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("owner", "target", name="uq_application_draft_owner_target"),
    )
    op.create_table(
        "application_upload",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("owner", sa.String(length=100), nullable=False, index=True),
        sa.Column("material", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True, index=True),
    )
    op.create_table(
        "credit_blacklist",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("id_number", sa.String(length=32), nullable=False, index=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("listed_by", sa.String(length=100), nullable=False),
        sa.Column("listed_at", TS, nullable=False),
        sa.Column("lifted_by", sa.String(length=100), nullable=True),
        sa.Column("lifted_at", TS, nullable=True),
        sa.Column("lift_reason", sa.String(length=1000), nullable=True),
    )
    # Every refusal, listing and lifting: kept for auditors, never updated.
    op.create_table(
        "credit_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", TS, nullable=False, index=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("id_number", sa.String(length=32), nullable=False, index=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
    )


def downgrade():
    op.drop_table("credit_audit")
    op.drop_table("credit_blacklist")
    op.drop_table("application_upload")
    op.drop_table("application_draft")
    op.drop_index("ix_case_application_id", "case")
    with op.batch_alter_table("case") as t:
        t.drop_column("application_id")
    op.drop_table("application")
    op.drop_table("theme")
    op.drop_index("ix_user_account_id_number", "user_account")
    with op.batch_alter_table("user_account") as t:
        t.drop_column("id_number")
