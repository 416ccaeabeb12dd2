"""Database access: one SQLAlchemy engine per URL, units of work, migrations.

SQLite is the embedded default. Writers there take the lock at BEGIN
(``BEGIN IMMEDIATE``) so that two writers queue instead of failing half-way;
on PostgreSQL the per-case version check decides who wins.
"""
import contextvars
import os
import re
import time
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


# A pooled PostgreSQL connection is pinged before use only after it sat idle this long:
# a server restart or a dropped idle connection is caught, a busy pool pays no round trip.
PING_AFTER_IDLE_SECONDS = 5


def _ping_when_idle(engine):
    """Pessimistic disconnect handling, only for connections that sat idle in the pool."""
    @sa.event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy):
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:
            raise sa.exc.DisconnectionError() from exc  # the pool replaces it and tries again


def _is_unique_violation(exc):
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(where, length, value):
    """Text that a column cannot hold is the caller's error (422), on SQLite as on PostgreSQL:
    PostgreSQL refuses over-long values and lone surrogates at flush, SQLite stores them."""
    if length and len(value) > length:
        raise InvalidInput(f"输入内容过长：{where} 最多 {length} 个字符",
                           details={"field": where, "max_length": length}, code="too_long")
    if _LONE_SURROGATE.search(value):
        raise InvalidInput("输入内容含有无效的 Unicode 字符（孤立代理项）", details={"field": where})


_TEXT_COLUMNS = {}  # mapper -> [(attribute key, "table.column", max length or None)]


def _text_columns(mapper):
    found = _TEXT_COLUMNS.get(mapper)
    if found is None:
        found = _TEXT_COLUMNS[mapper] = [
            (attr.key, f"{attr.columns[0].table.name}.{attr.columns[0].name}", attr.columns[0].type.length)
            for attr in mapper.column_attrs if isinstance(attr.columns[0].type, sa.String)]
    return found


@sa.event.listens_for(Session, "before_flush")
def _check_text_columns(session, _context, _instances):
    """``check_text`` on every text of a new row and every changed text of a loaded one."""
    rows = [(obj, None) for obj in session.new]
    rows += [(obj, sa.inspect(obj).committed_state) for obj in session.dirty]
    for obj, changed in rows:
        state = sa.inspect(obj)
        for key, where, length in _text_columns(state.mapper):
            if changed is not None and key not in changed:
                continue  # as loaded: not this flush's to judge
            value = state.dict.get(key)
            if isinstance(value, str):
                check_text(where, length, value)


class Database:
    def __init__(self, url=None):
        self.url = url or database_url()
        if self.url.startswith("sqlite"):
            self.engine = _sqlite_engine(self.url, immediate=True)
            self.read_engine = _sqlite_engine(self.url, immediate=False)
        else:
            self.engine = sa.create_engine(self.url, pool_size=10, max_overflow=20)
            _ping_when_idle(self.engine)
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._reading = contextvars.ContextVar(f"reading-{id(self)}", default=None)

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
        """A read session; inside ``reading()``, that block's session (left open for the next read)."""
        shared = self._reading.get()
        if shared is not None:
            yield shared
            return
        session = self._read()
        try:
            yield session
        finally:
            session.close()  # detaches without expiring: rows stay readable after the block

    @contextmanager
    def reading(self):
        """One read session for every ``read()`` inside the block (one response's reads: one
        connection checkout, one BEGIN, one snapshot). Writes inside still get their own
        session, and on SQLite the block's reads do not see them: use it where nothing is written."""
        if self._reading.get() is not None:
            yield
            return
        session = self._read()
        token = self._reading.set(session)
        try:
            yield
        finally:
            self._reading.reset(token)
            session.close()

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
