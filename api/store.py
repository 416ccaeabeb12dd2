"""The API's own small tables: shared settings, idempotency keys, rate-limit windows.

They live in the database (migration 0002) so that every process serving the
API — several waitress processes, several machines on one PostgreSQL — agrees
on the session key, replays the same idempotent response and counts one
rate-limit budget per caller.
"""
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from engine.errors import Conflict
from engine.models import Base, utcnow

IDEMPOTENCY_TTL = timedelta(hours=24)


def idempotency_lease():
    """How long a reservation holds before a retry may take it over (the holder crashed).
    Longer than any request runs (TONGBAN_STEP_SECONDS caps the engine's part)."""
    return timedelta(seconds=float(os.environ.get("TONGBAN_IDEMPOTENCY_LEASE_SECONDS", "30")))


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
    # Crash safety (migration 0004): the reservation's holder and lease, and the case its
    # request changed, written in the engine's own unit of work (see ``bind_case``).
    lease_token: Mapped[str | None] = mapped_column(sa.String(32))
    locked_until: Mapped[datetime | None]
    case_id: Mapped[int | None]


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


@dataclass
class Claim:
    """What to do with a request carrying a key: ``go`` (holding ``token``), ``replay``
    the stored response, or ``recover`` one from ``case_id`` (the work committed, the
    response was not stored: its process died in between)."""
    kind: str
    token: str = None
    status: int = None
    body: dict = None
    case_id: int = None


_KEYS = IdempotencyKey.__table__


def claim_key(engine, owner, key, endpoint, digest, attempts=5):
    """Reserve ``key`` for this request, or say how to answer it from the earlier one."""
    now = utcnow()
    token = secrets.token_hex(16)
    try:
        with engine.db.write() as session:
            session.execute(sa.delete(IdempotencyKey).where(
                IdempotencyKey.owner == owner, IdempotencyKey.key == key,
                IdempotencyKey.created_at < now - IDEMPOTENCY_TTL))
            session.add(IdempotencyKey(owner=owner, key=key, endpoint=endpoint, request_hash=digest,
                                       created_at=now, lease_token=token, locked_until=now + idempotency_lease()))
        return Claim("go", token=token)
    except Conflict:  # the key exists: replay, recover, take over or refuse below
        pass
    with engine.db.read() as session:
        row = session.get(IdempotencyKey, (owner, key))
    if row is None:  # released meanwhile by a failed first attempt: try once more
        if attempts <= 0:
            raise Conflict("相同幂等键的请求正在处理中，请稍后重试", code="idempotency_in_progress",
                           details={"idempotency_key": key})
        return claim_key(engine, owner, key, endpoint, digest, attempts - 1)
    if row.endpoint != endpoint or row.request_hash != digest:
        raise Conflict("该幂等键已用于另一个请求", code="idempotency_key_reused",
                       details={"idempotency_key": key})
    if row.status_code is not None:
        return Claim("replay", status=row.status_code, body=row.response)
    if row.case_id is not None:
        return Claim("recover", case_id=row.case_id)
    if row.locked_until is not None and row.locked_until > now:
        raise Conflict("相同幂等键的请求正在处理中，请稍后重试", code="idempotency_in_progress",
                       details={"idempotency_key": key})
    # The holder's lease ran out and it changed nothing: it crashed (or is about to lose).
    with engine.db.write() as session:
        taken = session.execute(sa.update(_KEYS).where(
            _KEYS.c.owner == owner, _KEYS.c.key == key, _KEYS.c.case_id.is_(None),
            _KEYS.c.status_code.is_(None),
            _KEYS.c.lease_token.is_(None) if row.lease_token is None else _KEYS.c.lease_token == row.lease_token,
        ).values(lease_token=token, locked_until=now + idempotency_lease())).rowcount
    if taken == 1:
        return Claim("go", token=token)
    if attempts <= 0:
        raise Conflict("相同幂等键的请求正在处理中，请稍后重试", code="idempotency_in_progress",
                       details={"idempotency_key": key})
    return claim_key(engine, owner, key, endpoint, digest, attempts - 1)


def bind_case(session, case, owner, key, token):
    """Inside the engine's unit of work: mark the reservation as used by ``case``.

    Only the current holder may: a request whose lease was taken over fails here
    and its whole unit of work rolls back, so one key never changes two cases."""
    bound = session.execute(sa.update(_KEYS).where(
        _KEYS.c.owner == owner, _KEYS.c.key == key, _KEYS.c.lease_token == token, _KEYS.c.case_id.is_(None),
    ).values(case_id=case.id)).rowcount
    if bound != 1:
        raise Conflict("相同幂等键的请求已由另一次重试处理", code="idempotency_in_progress",
                       details={"idempotency_key": key})


def store_response(engine, owner, key, token, status, body):
    """Keep the response for replays (``token`` None: a recovered one, stored if still missing)."""
    with engine.db.write() as session:
        session.execute(sa.update(_KEYS).where(
            _KEYS.c.owner == owner, _KEYS.c.key == key, _KEYS.c.status_code.is_(None),
            *([_KEYS.c.lease_token == token] if token else []),
        ).values(status_code=status, response=body, locked_until=None))


def release_key(engine, owner, key, token):
    """The request failed before changing anything: forget the key so that a corrected retry may use it."""
    with engine.db.write() as session:
        session.execute(sa.delete(IdempotencyKey).where(
            IdempotencyKey.owner == owner, IdempotencyKey.key == key, IdempotencyKey.lease_token == token,
            IdempotencyKey.case_id.is_(None)))


def purge_expired(engine):
    """Drop keys past their lifetime; the scheduler may call this now and then."""
    with engine.db.write() as session:
        return session.execute(sa.delete(IdempotencyKey).where(
            IdempotencyKey.created_at < utcnow() - IDEMPOTENCY_TTL)).rowcount


# ---- rate limits --------------------------------------------------------------------

def waiting(engine, bucket, limit, period):
    """Seconds ``bucket`` must still wait, without counting a request (0: it may go on)."""
    now = int(engine.clock.now().timestamp())
    window = now - now % period
    with engine.db.read() as session:
        row = session.get(RateLimit, bucket)
    if row is None or row.window_start != window or row.hits < limit:
        return 0
    return window + period - now


def hit(engine, bucket, limit, period):
    """Count one request of ``bucket``; returns seconds to wait if over ``limit`` per ``period``, else 0.

    One atomic upsert per request: the database serialises concurrent hits from
    every process, so the budget is shared, not per process.
    """
    now = int(engine.clock.now().timestamp())
    window = now - now % period
    hits = add_hits(engine, bucket, window, 1)
    return 0 if hits <= limit else window + period - now


def add_hits(engine, bucket, window, count):
    """Add ``count`` requests to ``bucket``'s current ``window``; returns its hits so far (api.ratelimit)."""
    insert = (postgresql.insert if engine.db.is_postgres else sqlite.insert)(RateLimit)
    table = RateLimit.__table__
    stmt = insert.values(bucket=bucket, window_start=window, hits=count).on_conflict_do_update(
        index_elements=[table.c.bucket],
        set_={"hits": sa.case((table.c.window_start == window, table.c.hits + count), else_=count),
              "window_start": window},
    ).returning(table.c.hits)
    with engine.db.write() as session:
        return session.execute(stmt).scalar_one()
