"""What every task command shares: find the task's row inside the unit of work and check it."""
from engine.commands import CaseCommand
from engine.errors import NotFound, TaskNotReady
from engine.models import HumanTask
from engine.tasks.queries import may_see


def visible_row(session, task_id, actor):
    """The task's row; one the actor may not see does not exist for them."""
    row = session.get(HumanTask, task_id)
    if row is None or not may_see(actor, row):
        raise NotFound("任务不存在", details={"task_id": task_id})
    return row


class TaskCommand(CaseCommand):
    """A command on one human task: the case it belongs to is locked for it."""
    loads_workflow = False

    def __init__(self, task_id, actor):
        self.task_id, self.actor = task_id, actor

    def case_id(self, session):
        return visible_row(session, self.task_id, self.actor).case_id

    def ready_row(self, ctx):
        """The task's row, which must still be READY (checked under the case lock)."""
        row = visible_row(ctx.session, self.task_id, self.actor)
        if row.state != "READY":
            raise TaskNotReady(details={"task_id": self.task_id, "state": row.state})
        return row
