"""Task queries (after Camunda's ``taskService.createTaskQuery()``).

``workable_by(actor)`` is an inbox: the READY tasks of the actor's groups that
nobody claimed, a task drawn outside any lane, and the ones assigned to them
(an admin's inbox is every task). ``visible_to`` is what may be looked at.
"""
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from engine.errors import InvalidInput
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

    def rows_only(self):
        """Rows without their case (joined) and candidates (a second SELECT): for a page that
        shows one case's tasks and has the case already."""
        self._q = self._q.options(sa.orm.lazyload(HumanTask.case), sa.orm.lazyload(HumanTask.candidates))
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

    def _ordering(self):
        return getattr(self, "_order", None) or (HumanTask.created_at, HumanTask.id)

    def page(self, limit, offset=0):
        """(tasks, total), oldest first: the inbox order. ``total`` counts at most
        COUNT_LIMIT + 1 rows (an index range, never the whole table): past that it is a floor."""
        with self.engine.db.read() as session:
            rows = session.scalars(self._q.order_by(*self._ordering()).limit(limit).offset(offset)).all()
            return rows, self.count(session)

    def count(self, session=None):
        if session is None:
            with self.engine.db.read() as own:
                return self.count(own)
        counted = self._q.with_only_columns(HumanTask.id).order_by(None).limit(COUNT_LIMIT + 1)
        return session.scalar(sa.select(sa.func.count()).select_from(counted.subquery()))

    def after(self, cursor):
        """Keyset paging: only rows after ``cursor`` (``cursor_of`` the last row shown) in this sort order."""
        if cursor is None:
            return self
        columns = self._ordering()
        if len(cursor) != len(columns):
            raise InvalidInput("cursor 与排序方式不符", details={"cursor": "请使用上一页返回的 next_cursor"})
        keys = [_sort_key(c) for c in columns]
        values = [_cursor_value(element, v) for (element, _), v in zip(keys, cursor)]
        if len({descending for _, descending in keys}) == 1:  # one direction: a row comparison, an index range
            row = sa.tuple_(*(element for element, _ in keys))
            return self._where(row < sa.tuple_(*values) if keys[0][1] else row > sa.tuple_(*values))
        later = []
        for i, column in enumerate(columns):
            element, descending = _sort_key(column)
            value = _cursor_value(element, cursor[i])
            same = [_sort_key(c)[0] == _cursor_value(_sort_key(c)[0], v) for c, v in zip(columns[:i], cursor[:i])]
            later.append(sa.and_(*same, element < value if descending else element > value))
        return self._where(sa.or_(*later))

    def cursor_of(self, row):
        """The values of ``row`` the sort order compares, as JSON-safe values."""
        values = [getattr(row, _sort_key(c)[0].key) for c in self._ordering()]
        return [v.isoformat() if isinstance(v, datetime) else v for v in values]

    def list(self):
        with self.engine.db.read() as session:
            return session.scalars(self._q.order_by(HumanTask.id)).all()


COUNT_LIMIT = 1_000  # "more than 1 000" is all an inbox needs to say; counting further scans further


def _sort_key(column):
    """(the column, whether it sorts descending) of an ORDER BY element."""
    element = getattr(column, "element", column)
    return element, getattr(column, "modifier", None) is sa.sql.operators.desc_op


def _cursor_value(column, value):
    try:
        if isinstance(column.type, sa.DateTime) or column.key.endswith("_at"):
            return datetime.fromisoformat(value)
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput("cursor 无效", details={"cursor": "请使用上一页返回的 next_cursor"}) from None
