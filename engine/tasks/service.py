"""Task service: the clerks' inbox and the operations on a human task.

A task belongs to the candidate group named by its lane (a task drawn outside
any lane belongs to every clerk). A clerk may see and work the READY tasks of
their groups, or the ones assigned to them; a claimed task is worked only by
its assignee. Every operation is a command: it locks the task's case (two
clerks racing on one task cannot both win) and appends to the case trail.
"""
import sqlalchemy as sa

from engine.errors import Conflict, NotFound
from engine.identity import Actor
from engine.models import Case, HumanTask, TaskCc, utcnow
from engine.runtime.executor import load_workflow

from .commands import (CcTask, ClaimTask, CompleteTask, DelegateTask, ReturnTask, SignTask, TransferTask,
                       UnclaimTask, UnsignTask, UrgeTask, WithdrawTask)
from .commands.base import visible_row
from .commands.return_task import return_targets
from .queries import TaskQuery, may_work


class TaskService:
    def __init__(self, engine):
        self.engine = engine

    # ---- operations --------------------------------------------------------

    CLAIM_ATTEMPTS = 5

    def claim(self, task_id, actor: Actor):
        for attempt in range(self.CLAIM_ATTEMPTS):
            try:
                return self.engine.execute(ClaimTask(task_id, actor))
            except Conflict as exc:
                # Lost the case's version race (the same person claiming twice at once, on
                # PostgreSQL): look again, since claiming a task one holds is harmless.
                # 已被他人签收, not ready …: real answers, given as they are.
                if type(exc) is not Conflict or (exc.details or {}).get("reason") != "concurrent change" \
                        or attempt == self.CLAIM_ATTEMPTS - 1:
                    raise

    def unclaim(self, task_id, actor: Actor):
        return self.engine.execute(UnclaimTask(task_id, actor))

    def complete(self, task_id, actor: Actor, data=None, opinion=None):
        return self.complete_and_next(task_id, actor, data, opinion)[0]

    def complete_and_next(self, task_id, actor: Actor, data=None, opinion=None):
        """(the completed row, the case's READY rows ``actor`` may work now), in one unit of work."""
        command = CompleteTask(task_id, actor, data, opinion)
        return self.engine.execute(command), command.next_tasks

    def workable_in_case(self, case_id, actor: Actor):
        """The case's READY tasks ``actor`` may work."""
        return [r for r in self.for_case(case_id) if may_work(actor, r)]

    def return_to(self, task_id, actor: Actor, to, reason=None):
        return self.engine.execute(ReturnTask(task_id, actor, to, reason))

    def transfer(self, task_id, actor: Actor, to, reason=None):
        return self.engine.execute(TransferTask(task_id, actor, to, reason))

    def delegate(self, task_id, actor: Actor, to, reason=None):
        return self.engine.execute(DelegateTask(task_id, actor, to, reason))

    def sign(self, task_id, actor: Actor, users, position="before", reason=None):
        return self.engine.execute(SignTask(task_id, actor, users, position, reason))

    def unsign(self, task_id, actor: Actor, users, reason=None):
        return self.engine.execute(UnsignTask(task_id, actor, users, reason))

    def cc(self, task_id, actor: Actor, users, note=None):
        return self.engine.execute(CcTask(task_id, actor, users, note))

    def withdraw(self, task_id, actor: Actor, reason=None):
        return self.engine.execute(WithdrawTask(task_id, actor, reason))

    def urge(self, task_id, actor: Actor, message=None):
        return self.engine.execute(UrgeTask(task_id, actor, message))

    # ---- queries -------------------------------------------------------------

    def query(self):
        return TaskQuery(self.engine)

    def inbox(self, actor: Actor, lane=None, case_id=None, limit=100, offset=0):
        """READY tasks the actor may work: their groups' and their own."""
        return self.query().ready().workable_by(actor).lane(lane).case(case_id).page(limit, offset)

    def for_case(self, case_id, states=("READY",)):
        return self.query().case(case_id).states(states).list()

    def rows_of_case(self, case_id):
        """Every task row of the case, bare (``TaskQuery.rows_only``)."""
        return self.query().case(case_id).rows_only().list()

    def get(self, task_id, actor: Actor):
        with self.engine.db.read() as session:
            return visible_row(session, task_id, actor)

    def form(self, task_id, actor: Actor):
        """The task's form definition (parsed) or None."""
        row = self.get(task_id, actor)
        if not row.form_key:
            return None
        with self.engine.db.read() as session:
            form, _ = self.engine.repository.form(session, row.form_key, row.form_version)
            return form

    def return_targets(self, task_id, actor: Actor):
        """[(element_id, name)]: the earlier steps this open task may be returned to."""
        with self.engine.db.read() as session:
            row = visible_row(session, task_id, actor)
            if row.state != "READY" or row.kind != "task":
                return []
            case = session.get(Case, row.case_id, options=[sa.orm.undefer(Case.state)])
            return return_targets(load_workflow(self.engine, session, case), row)

    def signers(self, row):
        """The open 加签 rows added to ``row`` (who may still be removed by 减签)."""
        rows = self.query().case(row.case_id).states(("READY", "WAITING", "PENDING")).list()
        return [r for r in rows if r.kind == "sign" and r.parent_task_id == row.id]

    def opinions(self, case_id):
        """审批意见 so far, in the order given: rows that carry one."""
        with self.engine.db.read() as session:
            return session.scalars(sa.select(HumanTask).where(HumanTask.case_id == case_id,
                                                              HumanTask.opinion.is_not(None))
                                   .order_by(HumanTask.completed_at, HumanTask.id)).all()

    def cc_for(self, actor: Actor, limit=20, offset=0, unread=None):
        """(copies sent to ``actor``, total), newest first."""
        q = sa.select(TaskCc).where(TaskCc.to_user == actor.name)
        if unread:
            q = q.where(TaskCc.read_at.is_(None))
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
            return session.scalars(q.order_by(TaskCc.id.desc()).limit(limit).offset(offset)).all(), total

    def mark_cc_read(self, cc_id, actor: Actor):
        with self.engine.db.write() as session:
            cc = session.get(TaskCc, cc_id)
            if cc is None or cc.to_user != actor.name:
                raise NotFound("抄送不存在", details={"cc_id": cc_id})
            cc.read_at = cc.read_at or utcnow()
            return cc

    def done_by(self, actor: Actor, limit=20, offset=0):
        """已办: tasks the actor completed, newest first."""
        q = sa.select(HumanTask).where(HumanTask.completed_by == actor.name, HumanTask.state == "COMPLETED")
        with self.engine.db.read() as session:
            total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
            return session.scalars(q.order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
                                   .limit(limit).offset(offset)).all(), total
