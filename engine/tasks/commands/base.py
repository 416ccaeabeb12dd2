"""What every task command shares: find the task's row inside the unit of work and check it."""
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from engine import history
from engine.commands import CaseCommand
from engine.errors import InvalidInput, NotFound, TaskNotReady, TongbanError
from engine.models import HumanTask, User
from engine.runtime.failures import element_error
from engine.tasks import rules
from engine.tasks.queries import may_see


def visible_row(session, task_id, actor, options=()):
    """The task's row; one the actor may not see does not exist for them."""
    row = session.get(HumanTask, task_id, options=options)
    if row is None or not may_see(actor, row):
        raise NotFound("任务不存在", details={"task_id": task_id})
    return row


def people(session, names, roles=("clerk", "admin")):
    """The named active users (clerks by default), in the order given; unknown names are refused."""
    names = list(dict.fromkeys(names))
    found = {u.name: u for u in session.scalars(sa.select(User).where(User.name.in_(names), User.active.is_(True)))
             if u.role in roles}
    missing = [n for n in names if n not in found]
    if missing:
        raise InvalidInput("人员不存在或不能办理任务", details={"users": missing})
    return [found[n] for n in names]


def spiff_task(wf, row):
    task = wf.get_task_from_id(UUID(row.spiff_task_id))
    if task is None:
        raise TaskNotReady(details={"task_id": row.id})
    return task


def run_task(step, row, data):
    """Run the workflow task behind ``row`` with ``data`` (the engine advances it afterwards);
    returns the keys the data changed, for the trail."""
    task = spiff_task(step.wf, row)
    if task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(details={"task_id": row.id})
    changes = history.changes_of(task.data, data)
    task.data.update(data)
    try:
        task.run()
    except TongbanError:
        raise
    except Exception as exc:  # e.g. a multi-instance item missing: a 4xx naming the element
        raise element_error(exc, task) from exc
    step.recorded_tasks.add(task.id)
    return changes


class TaskCommand(CaseCommand):
    """A command on one human task: the case it belongs to is locked for it."""
    loads_workflow = False

    def __init__(self, task_id, actor):
        self.task_id, self.actor = task_id, actor

    def case_id(self, session):
        # held: the session keeps rows weakly. Its case comes in the same statement (HumanTask.case).
        self._held = visible_row(session, self.task_id, self.actor, options=[rules.WITH_CANDIDATES])
        return self._held.case_id

    def ready_row(self, ctx):
        """The task's row, which must still be READY (checked under the case lock)."""
        row = visible_row(ctx.session, self.task_id, self.actor)
        if row.state != "READY":
            raise TaskNotReady(details={"task_id": self.task_id, "state": row.state})
        return row


class CaseTaskCommand(TaskCommand):
    """A command anyone who may see the task's case may give (催办, 抄送), not only its group."""

    def prepare(self, engine):
        with engine.db.read() as session:
            row = session.get(HumanTask, self.task_id)
            if row is None:
                raise NotFound("任务不存在", details={"task_id": self.task_id})
        engine.runtime.get(row.case_id, self.actor)  # NotFound for a case they may not see

    def case_id(self, session):
        self._held = session.get(HumanTask, self.task_id)  # held: the session keeps rows weakly
        return self._held.case_id

    def row(self, ctx):
        return ctx.session.get(HumanTask, self.task_id)
