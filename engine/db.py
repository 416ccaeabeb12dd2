"""Database access: one SQLAlchemy engine per URL, units of work, migrations.

SQLite is the embedded default. Writers there take the lock at BEGIN
(``BEGIN IMMEDIATE``) so that two writers queue instead of failing half-way;
on PostgreSQL the per-case version check decides who wins.
"""
import os
import re
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .errors import Conflict, InvalidInput

DEFAULT_URL = "sqlite:///tongban.sqlite"
ROOT = Path(__file__).resolve().parent.parent


def database_url():
    return os.environ.get("TONGBAN_DATABASE_URL", DEFAULT_URL)


def _sqlite_engine(url, immediate):
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # In WAL, NORMAL syncs at checkpoints, not at every commit: a power cut may lose
        # the last commits, never corrupts the file (README, "SQLite durability").
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _is_unique_violation(exc):
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@sa.event.listens_for(Session, "before_flush")
def _check_text_columns(session, _context, _instances):
    """Text that a column cannot hold is the caller's error (422), on SQLite as on PostgreSQL:
    PostgreSQL refuses over-long values and lone surrogates at flush, SQLite stores them."""
    for obj in (*session.new, *session.dirty):
        state = sa.inspect(obj)
        for attr in state.mapper.column_attrs:
            column = attr.columns[0]
            if not isinstance(column.type, sa.String):
                continue
            value = state.dict.get(attr.key)
            if not isinstance(value, str):
                continue
            where = f"{column.table.name}.{column.name}"
            if column.type.length and len(value) > column.type.length:
                raise InvalidInput(f"输入内容过长：{where} 最多 {column.type.length} 个字符",
                                   details={"field": where, "max_length": column.type.length}, code="too_long")
            if _LONE_SURROGATE.search(value):
                raise InvalidInput("输入内容含有无效的 Unicode 字符（孤立代理项）", details={"field": where})


class Database:
    def __init__(self, url=None):
        self.url = url or database_url()
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url, immediate=True)
            self.read_engine = _sqlite_engine(self.url, immediate=False)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True, pool_size=10, max_overflow=20)
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def is_postgres(self):
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def write(self) -> Session:
        """A unit of work: everything inside commits together or not at all."""
        session = self._write()
        try:
            yield session
            session.commit()
        except StaleDataError as exc:
            session.rollback()
            raise Conflict(details={"reason": "concurrent change"}) from exc
        except IntegrityError as exc:
            session.rollback()
            if _is_unique_violation(exc):  # keys only collide when two writers race
                raise Conflict(details={"reason": "concurrent change"}) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Session:
        session = self._read()
        try:
            yield session
        finally:
            session.close()  # detaches without expiring: rows stay readable after the block

    def migrate(self):
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.set_main_option("script_location", str(ROOT / "alembic"))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def is_current(self):
        """True if the schema is at the newest Alembic revision."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory(str(ROOT / "alembic")).get_current_head()
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision() == head

    def dispose(self):
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
