"""Who a token or browser session belongs to, without a database read per request.

A process keeps what it resolved (token hash -> Actor) together with the
credential generation it was read under. Every change that could alter an
answer (a token or session revoked, a person deactivated, their role, groups or
department changed) bumps the one-row ``auth_generation`` counter in the same
transaction, so every process sees the new number on its next request and
drops what it cached: revocation stays immediate. The common path costs one
primary-key read of that row instead of the token, user and group reads.
"""
import threading

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.models import ApiToken, Base, Department, OrgGroup, User, UserGroup, WebSession

MAX_ENTRIES = 10_000
# A new credential changes no earlier answer; any other change to these may.
WATCHED = (User, UserGroup, ApiToken, WebSession, Department, OrgGroup)
WATCHED_NEW = (UserGroup,)


class AuthGeneration(Base):
    __tablename__ = "auth_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)


_ROW = AuthGeneration.__table__
_CURRENT = sa.select(_ROW.c.value).where(_ROW.c.id == 1)


def _bump(dialect):
    """An upsert: a database whose row went missing (emptied by hand) still counts."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_ROW)
    return insert.values(id=1, value=1).on_conflict_do_update(
        index_elements=[_ROW.c.id], set_={"value": _ROW.c.value + 1})


_BUMPS = {name: _bump(name) for name in ("postgresql", "sqlite")}


@sa.event.listens_for(Session, "before_flush")
def _bump_on_change(session, _context, _instances):
    if any(isinstance(o, WATCHED) for o in (*session.dirty, *session.deleted)) \
            or any(isinstance(o, WATCHED_NEW) for o in session.new):
        session.execute(_BUMPS[session.get_bind().dialect.name])


def current(session):
    return session.execute(_CURRENT).scalar() or 0


class CredentialCache:
    """credential hash -> (actor, generation, expires_at), per process."""

    def __init__(self):
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key, generation, now):
        hit = self._entries.get(key)
        if hit is None or hit[1] != generation or (hit[2] is not None and hit[2] < now):
            return None
        return hit[0]

    def put(self, key, actor, generation, expires_at):
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (actor, generation, expires_at)
