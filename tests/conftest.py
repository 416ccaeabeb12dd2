"""Test databases: a real SQLite file or a real PostgreSQL database.

TONGBAN_TEST_DB=sqlite (default) or postgresql. For PostgreSQL the suite
creates a throwaway database on TONGBAN_TEST_PG (default
postgresql://postgres@127.0.0.1:5432) and drops it at the end.
"""
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = Path(__file__).resolve().parent / "diagrams"
BACKEND = os.environ.get("TONGBAN_TEST_DB", "sqlite")
PG_SERVER = os.environ.get("TONGBAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def pytest_report_header(config):
    return f"tongban test database: {BACKEND}"


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """A migrated database, made once per run; tests get a fresh copy or a truncated one."""
    from engine import Engine

    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("db") / "template.sqlite"
        engine = Engine(f"sqlite:///{path}")
        engine.migrate()
        engine.close()
        yield ("sqlite", path)
        return
    name = f"tongban_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = f"{PG_SERVER}/{name}"
    engine = Engine(url)
    engine.migrate()
    engine.close()
    try:
        yield ("postgresql", url)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    kind, where = database_template
    if kind == "sqlite":
        path = tmp_path / "tongban.sqlite"
        shutil.copy(where, path)
        return f"sqlite:///{path}"
    cleaner = sa.create_engine(where)
    with cleaner.begin() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")]
        # TRUNCATE does not fire the trail's append-only row triggers.
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    cleaner.dispose()
    return where


@pytest.fixture
def engine(database_url):
    from engine import Engine

    eng = Engine(database_url)
    yield eng
    eng.close()


@pytest.fixture
def deployed(engine):
    """The engine with processes/ and forms/ deployed, as `tongban init` does."""
    engine.repository.deploy_paths([ROOT / "forms", ROOT / "processes"], deployed_by="test")
    return engine


@pytest.fixture(autouse=True)
def _attachment_dir(tmp_path, monkeypatch):
    """Uploaded files go to the test's own folder, never the working directory."""
    monkeypatch.setenv("TONGBAN_ATTACHMENT_DIR", str(tmp_path / "attachments"))


@pytest.fixture(autouse=True)
def _reset_clock():
    from engine.clock import clock

    clock.reset()
    yield
    clock.reset()


def diagram(*parts):
    return DIAGRAMS.joinpath(*parts)
