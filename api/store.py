"""The API's own small tables: shared settings, idempotency keys, rate-limit windows.

They live in the database (migration 0002) so that every process serving the
API — several waitress processes, several machines on one PostgreSQL — agrees
on the session key, replays the same idempotent response and counts one
rate-limit budget per caller.
"""
import hashlib
import json
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from engine.errors import Conflict
from engine.models import Base, utcnow

IDEMPOTENCY_TTL = timedelta(hours=24)


class AppSetting(Base):
    __tablename__ = "app_setting"

    name: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class IdempotencyKey(Base):
    """A caller's ``Idempotency-Key``: the request it came with and the response it got."""
    __tablename__ = "idempotency_key"

    owner: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    endpoint: Mapped[str] = mapped_column(sa.String(200))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None]
    response: Mapped[dict | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class RateLimit(Base):
    """One fixed window per bucket (a user, an address): its start second and its hits."""
    __tablename__ = "rate_limit"

    bucket: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    window_start: Mapped[int]
    hits: Mapped[int]


# ---- settings ---------------------------------------------------------------------

def shared_secret(engine, name="flask_secret_key"):
    """A random secret made once and stored, so every process signs cookies alike."""
    with engine.db.read() as session:
        value = session.scalar(sa.select(AppSetting.value).where(AppSetting.name == name))
    if value:
        return value
    try:
        with engine.db.write() as session:
            session.add(AppSetting(name=name, value=secrets.token_hex(32)))
    except Conflict:  # another process made it first: use theirs
        pass
    with engine.db.read() as session:
        return session.scalar(sa.select(AppSetting.value).where(AppSetting.name == name))


# ---- idempotency ------------------------------------------------------------------

def request_hash(endpoint, body):
    canonical = json.dumps([endpoint, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim_key(engine, owner, key, endpoint, digest):
    """Reserve ``key`` for this request. Returns None when the caller should go on,
    or the stored (status, body) of the earlier request to replay."""
    now = utcnow()
    try:
        with engine.db.write() as session:
            session.execute(sa.delete(IdempotencyKey).where(
                IdempotencyKey.owner == owner, IdempotencyKey.key == key,
                IdempotencyKey.created_at < now - IDEMPOTENCY_TTL))
            session.add(IdempotencyKey(owner=owner, key=key, endpoint=endpoint, request_hash=digest,
                                       created_at=now))
        return None
    except Conflict:  # the key exists: replay or refuse below
        pass
    with engine.db.read() as session:
        row = session.get(IdempotencyKey, (owner, key))
    if row is None:  # released meanwhile by a failed first attempt: try once more
        return claim_key(engine, owner, key, endpoint, digest)
    if row.endpoint != endpoint or row.request_hash != digest:
        raise Conflict("该幂等键已用于另一个请求", code="idempotency_key_reused",
                       details={"idempotency_key": key})
    if row.status_code is None:
        raise Conflict("相同幂等键的请求正在处理中，请稍后重试", code="idempotency_in_progress",
                       details={"idempotency_key": key})
    return row.status_code, row.response


def store_response(engine, owner, key, status, body):
    with engine.db.write() as session:
        row = session.get(IdempotencyKey, (owner, key))
        if row is not None:
            row.status_code, row.response = status, body


def release_key(engine, owner, key):
    """The request failed: forget the key so that a corrected retry may use it."""
    with engine.db.write() as session:
        session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.owner == owner, IdempotencyKey.key == key))


def purge_expired(engine):
    """Drop keys past their lifetime; the scheduler may call this now and then."""
    with engine.db.write() as session:
        return session.execute(sa.delete(IdempotencyKey).where(
            IdempotencyKey.created_at < utcnow() - IDEMPOTENCY_TTL)).rowcount


# ---- rate limits --------------------------------------------------------------------

def hit(engine, bucket, limit, period):
    """Count one request of ``bucket``; returns seconds to wait if over ``limit`` per ``period``, else 0.

    One atomic upsert per request: the database serialises concurrent hits from
    every process, so the budget is shared, not per process.
    """
    now = int(engine.clock.now().timestamp())
    window = now - now % period
    insert = (postgresql.insert if engine.db.is_postgres else sqlite.insert)(RateLimit)
    table = RateLimit.__table__
    stmt = insert.values(bucket=bucket, window_start=window, hits=1).on_conflict_do_update(
        index_elements=[table.c.bucket],
        set_={"hits": sa.case((table.c.window_start == window, table.c.hits + 1), else_=1),
              "window_start": window},
    ).returning(table.c.hits)
    with engine.db.write() as session:
        hits = session.execute(stmt).scalar_one()
    return 0 if hits <= limit else window + period - now
