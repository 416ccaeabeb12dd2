"""Alembic environment: runs on the connection Tongban hands over, or on
TONGBAN_DATABASE_URL when called as `alembic upgrade head`."""
from alembic import context

from engine.db import Database
from engine.models import Base
import engine.webhooks  # noqa: F401  (their tables are part of the schema)
import api.store  # noqa: F401

target_metadata = Base.metadata


def run(connection):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    db = Database()
    with db.engine.begin() as conn:
        run(conn)
