"""Incidents: units of work stopped by the step or wall-clock cap, for admins;
idempotency keys with a lease and the case their request changed (crash safety).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("operation", sa.String(length=60), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("process_key", sa.String(length=200), nullable=True),
        sa.Column("element_id", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_at", "incident", ["at"])
    op.add_column("idempotency_key", sa.Column("lease_token", sa.String(length=32), nullable=True))
    op.add_column("idempotency_key", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("idempotency_key", sa.Column("case_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("idempotency_key") as batch:
        batch.drop_column("case_id")
        batch.drop_column("locked_until")
        batch.drop_column("lease_token")
    op.drop_table("incident")
