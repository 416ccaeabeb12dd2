"""签收: take a task of one's group so that nobody else works it."""
from engine import history
from engine.errors import Conflict, Forbidden
from engine.models import utcnow
from engine.tasks.queries import may_work

from .base import TaskCommand


class ClaimTask(TaskCommand):
    def execute(self, ctx):
        row = self.ready_row(ctx)
        if row.assignee == self.actor.name:
            return row  # claiming twice is harmless
        if row.assignee:
            raise Conflict("任务已被他人签收", details={"task_id": row.id, "assignee": row.assignee})
        if not may_work(self.actor, row):
            raise Forbidden("您不在该任务的办理组", details={"task_id": row.id, "lane": row.lane})
        row.assignee, row.claimed_at = self.actor.name, utcnow()
        ctx.event(history.TASK_CLAIMED, task_id=row.id, element_id=row.element_id, data={"name": row.name})
        return row
