"""委派: another clerk works the task; their completion hands it back to the owner to confirm."""
from engine import history
from engine.errors import Conflict
from engine.models import utcnow
from engine.tasks import rules

from .base import TaskCommand, people


class DelegateTask(TaskCommand):
    def __init__(self, task_id, actor, to, reason):
        super().__init__(task_id, actor)
        self.to, self.reason = to, reason

    def execute(self, ctx):
        row = self.ready_row(ctx)
        rules.require_operator(self.actor, row, "委派")
        if row.kind != rules.TASK or row.delegation == "pending":
            raise Conflict("该任务不能再委派", code="not_delegable", details={"task_id": row.id})
        [user] = people(ctx.session, [self.to])
        if user.name == self.actor.name:
            raise Conflict("不能委派给自己", code="not_delegable", details={"to": user.name})
        row.owner = row.assignee or self.actor.name
        row.assignee, row.claimed_at, row.delegation, row.pending_data = user.name, utcnow(), "pending", None
        ctx.event(history.TASK_DELEGATED, task_id=row.id, element_id=row.element_id,
                  data={"name": row.name, "owner": row.owner, "to": user.name, "reason": self.reason})
        return row
