"""A counter per e-licence type and year for {seq}, so concurrent issuers get consecutive
numbers instead of colliding on a count.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("licence_sequence",
                    sa.Column("type", sa.String(length=100), primary_key=True),
                    sa.Column("period", sa.String(length=4), primary_key=True),
                    sa.Column("value", sa.Integer(), nullable=False))


def downgrade():
    op.drop_table("licence_sequence")
