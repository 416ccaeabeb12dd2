"""取消签收: give a claimed task back to its group (never called 退回: that sends a case back)."""
from engine import history
from engine.errors import Forbidden

from .base import TaskCommand


class UnclaimTask(TaskCommand):
    def execute(self, ctx):
        row = self.ready_row(ctx)
        if not row.assignee:
            return row
        if row.assignee != self.actor.name and not self.actor.is_admin:
            raise Forbidden("只能取消自己签收的任务", details={"task_id": row.id, "assignee": row.assignee})
        previous = row.assignee
        row.assignee, row.claimed_at = None, None
        ctx.event(history.TASK_UNCLAIMED, task_id=row.id, element_id=row.element_id,
                  data={"name": row.name, "previous_assignee": previous})
        return row
