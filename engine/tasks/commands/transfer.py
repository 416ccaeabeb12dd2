"""转办: the task becomes another clerk's; the first loses it."""
from engine import history
from engine.errors import Conflict
from engine.models import utcnow
from engine.tasks import rules

from .base import TaskCommand, people


class TransferTask(TaskCommand):
    def __init__(self, task_id, actor, to, reason):
        super().__init__(task_id, actor)
        self.to, self.reason = to, reason

    def execute(self, ctx):
        row = self.ready_row(ctx)
        rules.require_operator(self.actor, row, "转办")
        if row.delegation == "pending":
            raise Conflict("委派中的任务不能转办", code="delegated", details={"task_id": row.id})
        [user] = people(ctx.session, [self.to])
        previous = row.assignee
        row.assignee, row.claimed_at = user.name, utcnow()
        if row.owner:
            row.owner, row.delegation, row.pending_data = None, None, None
        ctx.event(history.TASK_TRANSFERRED, task_id=row.id, element_id=row.element_id,
                  data={"name": row.name, "from": previous, "to": user.name, "reason": self.reason})
        return row
