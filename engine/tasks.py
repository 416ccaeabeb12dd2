"""Task service: the clerks' inbox and the operations on a human task.

A task belongs to the candidate group named by its lane (a task drawn outside
any lane belongs to every clerk). A clerk may see and work the READY tasks of
their groups, or the ones assigned to them; a claimed
task is worked only by its assignee. Every operation appends to the case trail
and bumps the case's version, so two clerks racing on one task cannot both win.
"""
import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from . import history
from .cases import Actor, claim_version
from .errors import Conflict, Forbidden, NotFound, TaskNotReady
from .forms import validate_free_data
from .models import Case, HumanTask, utcnow


def may_work(actor: Actor, row: HumanTask):
    if actor.is_admin:
        return True
    if row.assignee:
        return row.assignee == actor.name
    return row.lane is None or row.lane in actor.groups


def may_see(actor: Actor, row: HumanTask):
    return actor.role in ("admin", "auditor") or row.assignee == actor.name or (
        row.lane is None or row.lane in actor.groups)


class TaskService:
    def __init__(self, engine):
        self.engine = engine

    def inbox(self, actor: Actor, lane=None, case_id=None, limit=100, offset=0):
        """READY tasks the actor may work: their groups' and their own."""
        with self.engine.db.read() as session:
            q = sa.select(HumanTask).where(HumanTask.state == "READY")
            if not actor.is_admin:
                in_my_lanes = sa.or_(HumanTask.lane.is_(None), HumanTask.lane.in_(actor.groups or ["\0"]))
                q = q.where(sa.or_(HumanTask.assignee == actor.name,
                                   sa.and_(HumanTask.assignee.is_(None), in_my_lanes)))
            if lane:
                q = q.where(HumanTask.lane == lane)
            if case_id:
                q = q.where(HumanTask.case_id == case_id)
            total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
            rows = session.scalars(q.order_by(HumanTask.created_at, HumanTask.id).limit(limit).offset(offset)).all()
            return rows, total

    def for_case(self, case_id, states=("READY",)):
        with self.engine.db.read() as session:
            q = sa.select(HumanTask).where(HumanTask.case_id == case_id)
            if states:
                q = q.where(HumanTask.state.in_(states))
            return session.scalars(q.order_by(HumanTask.id)).all()

    def get(self, task_id, actor: Actor):
        with self.engine.db.read() as session:
            return self._visible_row(session, task_id, actor)

    def form(self, task_id, actor: Actor):
        """The task's form definition (parsed) or None."""
        row = self.get(task_id, actor)
        if not row.form_key:
            return None
        with self.engine.db.read() as session:
            form, _ = self.engine.repository.form(session, row.form_key, row.form_version)
            return form

    @staticmethod
    def _visible_row(session, task_id, actor):
        row = session.get(HumanTask, task_id)
        if row is None:
            raise NotFound("任务不存在", details={"task_id": task_id})
        if not may_see(actor, row):
            raise Forbidden("您无权查看该任务", details={"task_id": task_id, "lane": row.lane})
        return row

    def _row_for_update(self, session, task_id, actor):
        row = self._visible_row(session, task_id, actor)
        if row.state != "READY":
            raise TaskNotReady(details={"task_id": task_id, "state": row.state})
        return row

    def claim(self, task_id, actor: Actor):
        with self.engine.db.write() as session:
            row = self._row_for_update(session, task_id, actor)
            if row.assignee == actor.name:
                return row
            if row.assignee:
                raise Conflict("任务已被他人签收", details={"task_id": task_id, "assignee": row.assignee})
            if not may_work(actor, row):
                raise Forbidden("您不在该任务的办理组", details={"task_id": task_id, "lane": row.lane})
            case = session.get(Case, row.case_id)
            claim_version(session, case)
            row.assignee, row.claimed_at = actor.name, utcnow()
            history.append(session, case, history.TASK_CLAIMED, actor=actor.name, task_id=row.id,
                           element_id=row.element_id, data={"name": row.name})
            return row

    def unclaim(self, task_id, actor: Actor):
        with self.engine.db.write() as session:
            row = self._row_for_update(session, task_id, actor)
            if not row.assignee:
                return row
            if row.assignee != actor.name and not actor.is_admin:
                raise Forbidden("只能退回自己签收的任务", details={"task_id": task_id, "assignee": row.assignee})
            case = session.get(Case, row.case_id)
            claim_version(session, case)
            previous = row.assignee
            row.assignee, row.claimed_at = None, None
            history.append(session, case, history.TASK_UNCLAIMED, actor=actor.name, task_id=row.id,
                           element_id=row.element_id, data={"name": row.name, "previous_assignee": previous})
            return row

    def complete(self, task_id, actor: Actor, data=None):
        """Validate ``data`` against the task's form and move the case on."""
        with self.engine.db.read() as session:
            row = self._row_for_update(session, task_id, actor)
            if not may_work(actor, row):
                raise Forbidden("您无权办理该任务", details={"task_id": task_id, "lane": row.lane})
            if row.form_key:
                form, _ = self.engine.repository.form(session, row.form_key, row.form_version)
                cleaned = form.validate(data or {})
            else:
                cleaned = validate_free_data(data or {})
            case_id, spiff_id = row.case_id, row.spiff_task_id

        def work(step):
            current = step.session.get(HumanTask, task_id)
            # Re-checked inside the unit of work: another clerk may have won meanwhile.
            if current.state != "READY" or not may_work(actor, current):
                raise TaskNotReady(details={"task_id": task_id, "state": current.state})
            task = step.wf.get_task_from_id(_uuid(spiff_id))
            if task is None or task.state != TaskState.READY or not task.task_spec.manual:
                raise TaskNotReady(details={"task_id": task_id})
            task.data.update(cleaned)
            task.run()
            current.state, current.completed_at, current.completed_by = "COMPLETED", utcnow(), actor.name
            if not current.assignee:
                current.assignee = actor.name
            step.recorded_tasks.add(task.id)
            step.event(history.TASK_COMPLETED, task_id=current.id, element_id=current.element_id,
                       data={"name": current.name, "lane": current.lane, "submitted": cleaned})
            return current

        _, row = self.engine.runtime.run(case_id, actor, work)
        return row


def _uuid(value):
    from uuid import UUID
    return UUID(value)
