"""Public service (#10a): e-licences (电子证照库), licences reused as materials, ratings (好差评).

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "licence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("number", sa.String(100), nullable=False, unique=True),
        sa.Column("holder_kind", sa.String(8), nullable=False),
        sa.Column("holder_id_number", sa.String(32), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("revoked_by", sa.String(100), nullable=True),
        sa.Column("revoke_reason", sa.String(1000), nullable=True),
    )
    op.create_index("ix_licence_holder_type", "licence", ["holder_id_number", "type"])
    op.create_index("ix_licence_case_id", "licence", ["case_id"])
    op.create_table(
        "case_licence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False),
        sa.Column("licence_id", sa.Integer(), sa.ForeignKey("licence.id"), nullable=False),
        sa.Column("material", sa.String(300), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_case_licence_case_id", "case_licence", ["case_id"])
    op.create_index("ix_case_licence_licence_id", "case_licence", ["licence_id"])
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("case.id"), nullable=False, unique=True),
        sa.Column("process_key", sa.String(200), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.Column("rated_by", sa.String(100), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_rating_process_key", "rating", ["process_key"])
    op.create_index("ix_rating_department", "rating", ["department"])


def downgrade():
    op.drop_table("rating")
    op.drop_table("case_licence")
    op.drop_table("licence")
