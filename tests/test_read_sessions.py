"""Database read sessions: ``reading()`` shares one session among the reads inside it, and a
PostgreSQL connection that sat idle in the pool is pinged (and replaced if dead) before use."""
import pytest
import sqlalchemy as sa

from engine import db as db_module

from .conftest import BACKEND


def test_reads_inside_reading_share_one_session(engine):
    with engine.db.reading():
        with engine.db.read() as first:
            first.execute(sa.text("SELECT 1"))
        with engine.db.read() as second:
            assert second is first  # still open: the block's reads see one snapshot
            with engine.db.reading():  # nested: the same session again
                with engine.db.read() as third:
                    assert third is first
    with engine.db.read() as outside:
        assert outside is not first


def test_rows_read_inside_reading_stay_readable_after_it(deployed):
    from engine.models import Definition

    with deployed.db.reading():
        with deployed.db.read() as session:
            row = session.scalars(sa.select(Definition).limit(1)).first()
    assert row.key  # detached at the end of the block, not expired


@pytest.mark.skipif(BACKEND != "postgresql", reason="the pool ping is PostgreSQL's")
def test_an_idle_connection_that_died_is_replaced_before_use(engine, monkeypatch):
    with engine.db.read() as session:
        pid = session.scalar(sa.text("SELECT pg_backend_pid()"))
    outsider = sa.create_engine(engine.db.url, poolclass=sa.pool.NullPool)
    with outsider.connect() as other:  # as a server restart would: the pooled connection's backend ends
        other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    outsider.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", -1)  # every pooled connection counts as idle
    with engine.db.read() as session:
        assert session.scalar(sa.text("SELECT pg_backend_pid()")) != pid
