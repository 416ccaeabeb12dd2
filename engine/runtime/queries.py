"""Case queries (after Camunda's ``runtimeService.createProcessInstanceQuery()``),
scoped to what the asking person may see:

- admin, auditor: every case;
- integrator: the cases they started;
- clerk: cases they took in (收件), cases with a task of their groups, or one they were assigned or completed,
  or a copy of (抄送) sent to them;
- supervisor (read-only): cases with a task in a lane whose group belongs to their
  department or any department below it;
- applicant: the cases applied for with their own identity number, whoever started them.
"""
import sqlalchemy as sa

from engine.errors import Forbidden
from engine.identity.organisation import subtree_groups
from engine.models import Case, HumanTask, TaskCandidate, TaskCc


def scope(q, actor):
    if actor.role in ("admin", "auditor"):
        return q
    if actor.role == "integrator":
        return q.where(Case.started_by == actor.name)
    if actor.role == "clerk":
        groups = sorted(actor.groups)
        drawn = sa.select(TaskCandidate.id).where(TaskCandidate.task_id == HumanTask.id)
        names_me = drawn.where(sa.or_(
            sa.and_(TaskCandidate.kind == "user", TaskCandidate.name == actor.name),
            sa.and_(TaskCandidate.kind == "group", TaskCandidate.name.in_(groups))))
        in_lane = sa.and_(~drawn.exists(), sa.or_(HumanTask.lane.is_(None), HumanTask.lane.in_(groups)))
        mine = sa.or_(in_lane, names_me.exists(),  # candidates drawn on a task decide over its lane
                      HumanTask.assignee == actor.name, HumanTask.completed_by == actor.name)
        return q.where(sa.or_(Case.started_by == actor.name,  # 收件: the window clerk who took it in
                              sa.exists(sa.select(HumanTask.id).where(HumanTask.case_id == Case.id, mine)),
                              sa.exists(sa.select(TaskCc.id).where(TaskCc.case_id == Case.id,
                                                                   TaskCc.to_user == actor.name))))
    if actor.role == "supervisor" and actor.department:
        overseen = HumanTask.lane.in_(subtree_groups(actor.department))
        return q.where(sa.exists(sa.select(HumanTask.id).where(HumanTask.case_id == Case.id, overseen)))
    if actor.role == "applicant" and actor.id_number:
        return q.where(Case.applicant_id_number == actor.id_number)
    raise Forbidden(f"角色 {actor.role} 无权查看办件", details={"role": actor.role})


class CaseQuery:
    """``engine.runtime.query(actor).status("running").process("x").page(1, 20)``"""

    def __init__(self, engine, actor):
        self.engine, self.actor = engine, actor
        self._q = scope(sa.select(Case), actor)

    def _where(self, condition):
        self._q = self._q.where(condition)
        return self

    def id(self, case_id):
        return self._where(Case.id == case_id)

    def status(self, status):
        return self._where(Case.status == status) if status else self

    def process(self, key):
        return self._where(Case.process_key == key) if key else self

    def number(self, number):
        return self._where(Case.number == number) if number else self

    def applicant(self, id_number):
        return self._where(Case.applicant_id_number == id_number.upper()) if id_number else self

    def page(self, page, per_page):
        """(cases, total) of one page, newest first."""
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(self._q.subquery()))
            rows = session.scalars(self._q.order_by(Case.id.desc()).limit(per_page)
                                   .offset((page - 1) * per_page)).all()
            return rows, total

    def first(self):
        with self.engine.db.read() as session:
            return session.scalars(self._q).first()
