"""Task queries (after Camunda's ``taskService.createTaskQuery()``).

``workable_by(actor)`` is an inbox: the READY tasks of the actor's groups that
nobody claimed, a task drawn outside any lane, and the ones assigned to them
(an admin's inbox is every task). ``visible_to`` is what may be looked at.
"""
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from engine.models import Case, HumanTask, TaskCandidate

BEIJING = timezone(timedelta(hours=8))

READY = "READY"


def _drawn_for(actor, row):
    """Candidates drawn on the task decide over its lane (engine.tasks.assignment)."""
    if row.candidates:
        return any(c.name == actor.name if c.kind == "user" else c.name in actor.groups for c in row.candidates)
    return row.lane is None or row.lane in actor.groups


def may_work(actor, row):
    if actor.is_admin:
        return True
    if row.assignee:
        return row.assignee == actor.name
    return _drawn_for(actor, row)


def may_see(actor, row):
    return actor.role in ("admin", "auditor") or row.assignee == actor.name or _drawn_for(actor, row)


class TaskQuery:
    def __init__(self, engine):
        self.engine = engine
        self._q = sa.select(HumanTask)

    def _where(self, condition):
        self._q = self._q.where(condition)
        return self

    def ready(self):
        return self._where(HumanTask.state == READY)

    def workable_by(self, actor):
        if actor.is_admin:
            return self
        in_my_lanes = sa.or_(HumanTask.lane.is_(None), HumanTask.lane.in_(sorted(actor.groups)))
        drawn = sa.select(TaskCandidate.id).where(TaskCandidate.task_id == HumanTask.id)
        names_me = drawn.where(sa.or_(
            sa.and_(TaskCandidate.kind == "user", TaskCandidate.name == actor.name),
            sa.and_(TaskCandidate.kind == "group", TaskCandidate.name.in_(sorted(actor.groups)))))
        mine = sa.or_(names_me.exists(), sa.and_(~drawn.exists(), in_my_lanes))
        return self._where(sa.or_(HumanTask.assignee == actor.name,
                                  sa.and_(HumanTask.assignee.is_(None), mine)))

    def lane(self, lane):
        return self._where(HumanTask.lane == lane) if lane else self

    def case(self, case_id):
        return self._where(HumanTask.case_id == case_id) if case_id else self

    def search(self, text):
        """Case number, applicant name or task name containing ``text``."""
        if not text:
            return self
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return self._where(sa.or_(HumanTask.name.like(like, escape="\\"), HumanTask.case_id.in_(
            sa.select(Case.id).where(sa.or_(Case.number.like(like, escape="\\"),
                                            Case.applicant_name.like(like, escape="\\"))))))

    def process(self, key):
        return self._where(HumanTask.case_id.in_(sa.select(Case.id).where(Case.process_key == key))) if key else self

    def received(self, first=None, last=None):
        """Received (created) between two Beijing dates, both included."""
        if first:
            self._where(HumanTask.created_at >= datetime.combine(first, time(), BEIJING))
        if last:
            self._where(HumanTask.created_at < datetime.combine(last + timedelta(days=1), time(), BEIJING))
        return self

    def sort(self, order):
        self._order = {"-received": (HumanTask.created_at.desc(), HumanTask.id.desc()),
                       "urged": (HumanTask.urge_count.desc(), HumanTask.created_at, HumanTask.id)}.get(order)
        return self

    def states(self, states):
        return self._where(HumanTask.state.in_(states)) if states else self

    def page(self, limit, offset=0):
        """(tasks, total), oldest first: the inbox order."""
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(self._q.subquery()))
            order = getattr(self, "_order", None) or (HumanTask.created_at, HumanTask.id)
            rows = session.scalars(self._q.order_by(*order)
                                   .limit(limit).offset(offset)).all()
            return rows, total

    def list(self):
        with self.engine.db.read() as session:
            return session.scalars(self._q.order_by(HumanTask.id)).all()
