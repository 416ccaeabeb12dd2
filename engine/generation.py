"""Shared change counters, so each process may cache what rarely changes.

Row 1 counts changes to credentials (tokens, sessions, people, groups,
departments), row 2 changes to configuration (definitions, the catalogue,
webhook subscriptions). A flush that changes such rows bumps the counter in
the same transaction; a process compares the counter with the one its cached
answer was read under, one primary-key read instead of the look-ups it saves,
and every process sees a change on its next read: nothing is stale.
"""
import weakref

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.models import (ApiToken, Base, Definition, Department, Matter, OrgGroup, User, UserGroup, WebhookSubscription,
                           WebSession)

CREDENTIALS, CONFIGURATION = 1, 2
# counter: (classes whose change or deletion counts, classes whose new rows count)
WATCHED = {
    # A new token or session changes no earlier answer.
    CREDENTIALS: ((User, UserGroup, ApiToken, WebSession, Department, OrgGroup), (UserGroup,)),
    CONFIGURATION: ((Definition, Matter, WebhookSubscription), (Definition, Matter, WebhookSubscription)),
}


class Generation(Base):
    __tablename__ = "generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)


_ROW = Generation.__table__
_READ = sa.select(_ROW.c.id, _ROW.c.value)


def _bump(dialect, which):
    """An upsert: a database whose rows went missing (emptied by hand) still counts."""
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_ROW)
    return insert.values(id=which, value=1).on_conflict_do_update(
        index_elements=[_ROW.c.id], set_={"value": _ROW.c.value + 1})


_BUMPS = {(d, w): _bump(d, w) for d in ("postgresql", "sqlite") for w in WATCHED}


@sa.event.listens_for(Session, "before_flush")
def _bump_on_change(session, _context, _instances):
    changed, added = (*session.dirty, *session.deleted), tuple(session.new)
    for which, (kinds, new_kinds) in WATCHED.items():
        if any(isinstance(o, kinds) for o in changed) or any(isinstance(o, new_kinds) for o in added):
            session.execute(_BUMPS[(session.get_bind().dialect.name, which)])
            session.info.setdefault("generation_bumped", set()).add(which)
            session.info.pop("generation", None)


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("generation", None)
    session.info.pop("generation_bumped", None)


def current(session, which):
    """The counter's value, read once per transaction (both counters in one statement)."""
    values = session.info.get("generation")
    if values is None:
        values = session.info["generation"] = dict(session.execute(_READ).all())
    return values.get(which, 0)


def known(session, which):
    """The counter's value if this transaction read it already, else None (no statement)."""
    values = session.info.get("generation")
    return None if values is None else values.get(which, 0)


_caches = weakref.WeakKeyDictionary()  # database engine -> {key: (generation, value)}


def cached(session, which, key, load):
    """``load()``'s answer, reused while counter ``which`` stays where it was when it was read."""
    if which in session.info.get("generation_bumped", ()):
        return load()  # this transaction changed it: its own rows are not everyone's yet
    generation = current(session, which)
    store = _caches.setdefault(session.get_bind(), {})
    hit = store.get(key)
    if hit is not None and hit[0] == generation:
        return hit[1]
    value = load()
    if len(store) > 10_000:
        store.clear()
    store[key] = (generation, value)
    return value
