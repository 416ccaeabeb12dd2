"""Audit chain: a hash per trail event, the chain head on the case, daily digests.

Existing trails are hashed here, in seq order per case, so that every case
verifies from the day this revision runs. The append-only triggers are lifted
for the backfill and put back; the digest table gets the same guard.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
import hashlib
import json
from datetime import timezone

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
GENESIS = "0" * 64

SQLITE_TRAIL_GUARDS = [
    """CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
       BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END""",
    """CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
       BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END""",
]
SQLITE_DIGEST_GUARDS = [
    """CREATE TRIGGER audit_digest_no_update BEFORE UPDATE ON audit_digest
       BEGIN SELECT RAISE(ABORT, 'audit_digest is append-only'); END""",
    """CREATE TRIGGER audit_digest_no_delete BEFORE DELETE ON audit_digest
       BEGIN SELECT RAISE(ABORT, 'audit_digest is append-only'); END""",
]
POSTGRES_TRAIL_GUARD = """CREATE TRIGGER case_event_no_change BEFORE UPDATE OR DELETE ON case_event
       FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"""
POSTGRES_DIGEST_GUARDS = [
    """CREATE FUNCTION audit_digest_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_digest is append-only'; END $$""",
    """CREATE TRIGGER audit_digest_no_change BEFORE UPDATE OR DELETE ON audit_digest
       FOR EACH ROW EXECUTE FUNCTION audit_digest_append_only()""",
]


# A frozen copy of engine.history.chain's serialisation: a migration must not
# change meaning when the application code moves on.
def _default(value):
    if hasattr(value, "astimezone"):
        return _time(value)
    return str(value)


def _time(dt):
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(row, prev):
    content = {"case_id": row.case_id, "seq": row.seq, "type": row.type, "at": _time(row.at), "actor": row.actor,
               "task_id": row.task_id, "element_id": row.element_id, "data": row.data}
    body = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default,
                      allow_nan=False).encode("utf-8")
    return hashlib.sha256(prev.encode("ascii") + b"\n" + body).hexdigest()


def _backfill(bind):
    event = sa.table("case_event", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                     sa.column("seq", sa.Integer), sa.column("type", sa.String), sa.column("at", TS),
                     sa.column("actor", sa.String), sa.column("task_id", sa.Integer),
                     sa.column("element_id", sa.String), sa.column("data", sa.JSON), sa.column("hash", sa.String))
    case = sa.table("case", sa.column("id", sa.Integer), sa.column("chain_head", sa.String))
    heads = {}
    rows = bind.execute(sa.select(event).order_by(event.c.case_id, event.c.seq)).fetchall()
    for row in rows:
        h = _hash(row, heads.get(row.case_id, GENESIS))
        bind.execute(event.update().where(event.c.id == row.id).values(hash=h))
        heads[row.case_id] = h
    for case_id, h in heads.items():
        bind.execute(case.update().where(case.c.id == case_id).values(chain_head=h))


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER case_event_no_update")
        op.execute("DROP TRIGGER case_event_no_delete")
    else:
        op.execute("DROP TRIGGER case_event_no_change ON case_event")
    op.add_column("case_event", sa.Column("hash", sa.String(length=64), nullable=True))
    op.add_column("case", sa.Column("chain_head", sa.String(length=64), nullable=True))
    _backfill(bind)
    op.create_table(
        "audit_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("heads", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )
    for statement in (SQLITE_TRAIL_GUARDS + SQLITE_DIGEST_GUARDS if sqlite
                      else [POSTGRES_TRAIL_GUARD] + POSTGRES_DIGEST_GUARDS):
        op.execute(statement)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.drop_table("audit_digest")
    if not sqlite:
        op.execute("DROP FUNCTION audit_digest_append_only()")
        op.execute("DROP TRIGGER case_event_no_change ON case_event")
    else:
        op.execute("DROP TRIGGER case_event_no_update")
        op.execute("DROP TRIGGER case_event_no_delete")
    with op.batch_alter_table("case_event") as batch:
        batch.drop_column("hash")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("chain_head")
    for statement in SQLITE_TRAIL_GUARDS if sqlite else [POSTGRES_TRAIL_GUARD]:
        op.execute(statement)
