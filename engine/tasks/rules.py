"""Rules shared by the clerk operations: who may operate a task, and which open rows wait.

An open inbox row is READY (workable) or WAITING: its case has an open 补正告知, the
owner waits for 加签 signers added before them, or the owner has completed and waits
for signers added after them. 加签 signers added "after" sit PENDING until the owner
completes. ``refresh_waiting`` recomputes this after every operation that may change it.
"""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from engine.errors import Forbidden
from engine.models import Correction, HumanTask

READY, WAITING, PENDING, COMPLETED, CANCELLED = "READY", "WAITING", "PENDING", "COMPLETED", "CANCELLED"
OPEN = (READY, WAITING, PENDING)
TASK, SIGN = "task", "sign"
# Rows of the locked case: their case is in the session already, no join needed.
LOCKED_CASE = sa.orm.immediateload(HumanTask.case)
# A task row with its drawn candidates in the same statement (not a second SELECT … IN).
WITH_CANDIDATES = sa.orm.joinedload(HumanTask.candidates)


def may_operate(actor, row):
    """The task's group (nobody claimed it) or its assignee; admins always."""
    if actor.is_admin:
        return True
    if row.assignee:
        return row.assignee == actor.name
    return row.lane is None or row.lane in actor.groups


def require_operator(actor, row, what):
    if not may_operate(actor, row):
        raise Forbidden(f"只有该任务的办理组或签收人可以{what}", details={"task_id": row.id, "lane": row.lane})


def open_rows(session, case_id):
    """The case's open rows; filtered again in Python because a step flushes once, at its end.

    Queried once per unit of work: the case is locked, so afterwards every row that
    can be open is in the session (loaded then, or added since) and is read from there."""
    loaded = session.info.setdefault("open_rows_of", set())
    if case_id not in loaded:
        rows = session.scalars(sa.select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state.in_(OPEN))
                               .order_by(HumanTask.id).options(LOCKED_CASE, WITH_CANDIDATES)).unique().all()
        loaded.add(case_id)
        session.info.setdefault("open_rows_held", []).extend(rows)  # keep them in the identity map
    else:
        rows = case_rows(session, case_id)
    # in id order (unflushed rows last, as added): a replay makes the same rows in the same order
    return sorted((r for r in rows if r.state in OPEN), key=lambda r: (r.id is None, r.id or 0))


def case_rows(session, case_id):
    """The case's rows in the session: once ``open_rows`` read them, every row that was open
    at the lock or was added since, closed in this unit of work or not."""
    return [r for r in (*session.identity_map.values(), *session.new)
            if isinstance(r, HumanTask) and r.case_id == case_id]


def rows_known(session, case_id):
    return case_id in session.info.get("open_rows_of", ())


def new_case(session, case_id):
    """A case started in this unit of work has no rows and no 补正告知 yet: nothing to read."""
    session.info.setdefault("open_rows_of", set()).add(case_id)
    session.info.setdefault("corrections_of", set()).add(case_id)


def corrections_read(session, case_id, corrections):
    """The case's open 补正告知, read with the case's lock (``lock_case``): later checks use the session."""
    session.info.setdefault("corrections_of", set()).add(case_id)
    session.info.setdefault("corrections_held", []).extend(corrections)


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_open_rows(session):
    for key in ("open_rows_of", "open_rows_held", "corrections_of", "corrections_held"):
        session.info.pop(key, None)


def open_correction(session, case_id):
    if case_id in session.info.get("corrections_of", ()):  # the case is locked: none appears behind our back
        found = [c for c in (*session.identity_map.values(), *session.new)
                 if isinstance(c, Correction) and c.case_id == case_id]
    else:
        found = session.scalars(sa.select(Correction).where(Correction.case_id == case_id,
                                                            Correction.answered_at.is_(None))).all()
    return next((c for c in found if c.answered_at is None), None)  # answered in this unit of work


def signers(rows, parent, position=None):
    return [r for r in rows if r.kind == SIGN and r.parent_task_id == parent.id
            and (position is None or r.sign_position == position)]


def refresh_waiting(session, case_id, rows=None):
    rows = open_rows(session, case_id) if rows is None else rows
    correcting = open_correction(session, case_id) is not None
    for row in rows:
        if row.state == PENDING:
            continue
        if row.kind == SIGN:
            waits = correcting
        else:
            before = [s for s in signers(rows, row, "before") if s.state in (READY, WAITING)]
            waits = correcting or bool(before) or row.completed_by is not None  # owner done, signers after
        row.state = WAITING if waits else READY


def workable_next(session, case_id, actor):
    """The case's READY rows ``actor`` may work, read inside the unit of work that moved it
    (from the session: no query), ready to be shown after it commits."""
    from engine.tasks.queries import may_work

    rows = [r for r in open_rows(session, case_id) if r.state == READY and may_work(actor, r)]
    for row in rows:
        row.case, row.candidates  # noqa: B018  loaded now: the rows are shown after the session closes
    return rows
