"""Applicants' uploads are used up when they become attachments (the application or a
补正 answer): used rows go, and the column that marked them goes with them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM application_upload WHERE application_id IS NOT NULL")  # their attachments hold the files
    op.drop_index("ix_application_upload_application_id", "application_upload")
    with op.batch_alter_table("application_upload") as t:
        t.drop_column("application_id")


def downgrade():
    with op.batch_alter_table("application_upload") as t:
        t.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
    op.create_index("ix_application_upload_application_id", "application_upload", ["application_id"])
