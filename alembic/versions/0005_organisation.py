"""Organisation: departments as a tree, candidate groups with a display name and an
optional department, and people's department, position, phone and forced password change.

Membership stays in ``user_group`` (lanes match group names); every name already
used there becomes a group (kind "team") so that nothing existing loses its group.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        "department",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_department_parent_id", "department", ["parent_id"])
    op.create_table(
        "org_group",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"]),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_org_group_department_id", "org_group", ["department_id"])
    # Plain ADD COLUMNs, never a table copy: other tables point at user_account, and on
    # SQLite copying a referenced table fails its foreign keys once people exist.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE user_account ADD COLUMN department_id INTEGER "
                   "CONSTRAINT fk_user_account_department REFERENCES department (id)")
    else:
        op.add_column("user_account", sa.Column("department_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_user_account_department", "user_account", "department", ["department_id"], ["id"])
    op.add_column("user_account", sa.Column("position", sa.String(length=100), nullable=False, server_default=""))
    op.add_column("user_account", sa.Column("phone", sa.String(length=32), nullable=False, server_default=""))
    op.add_column("user_account", sa.Column("password_change_required", sa.Boolean(), nullable=False,
                                            server_default=sa.false()))
    op.create_index("ix_user_account_department_id", "user_account", ["department_id"])
    # Groups people already belong to become groups in their own right.
    op.execute("INSERT INTO org_group (name, display_name, kind, created_at) "
               "SELECT DISTINCT group_name, group_name, 'team', CURRENT_TIMESTAMP FROM user_group")
    with op.batch_alter_table("user_group") as batch:
        batch.create_foreign_key("fk_user_group_org_group", "org_group", ["group_name"], ["name"])


def downgrade():
    with op.batch_alter_table("user_group") as batch:
        batch.drop_constraint("fk_user_group_org_group", type_="foreignkey")
    op.drop_index("ix_user_account_department_id", "user_account")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_user_account_department", "user_account", type_="foreignkey")
    for column in ("password_change_required", "phone", "position", "department_id"):
        op.drop_column("user_account", column)  # SQLite 3.35+ drops plain columns in place
    op.drop_table("org_group")
    op.drop_table("department")
