"""催办: remind whoever holds an open task (inbox badge, trail event, so webhooks too)."""
from engine import history
from engine.errors import TaskNotReady
from engine.models import utcnow
from engine.tasks import rules

from .base import CaseTaskCommand


class UrgeTask(CaseTaskCommand):
    def __init__(self, task_id, actor, message):
        super().__init__(task_id, actor)
        self.message = message or ""

    def execute(self, ctx):
        row = self.row(ctx)
        if row.state not in (rules.READY, rules.WAITING):
            raise TaskNotReady("只能催办未办结的任务", details={"task_id": row.id, "state": row.state})
        row.urge_count = (row.urge_count or 0) + 1
        row.last_urged_at = utcnow()
        ctx.event(history.TASK_URGED, task_id=row.id, element_id=row.element_id,
                  data={"name": row.name, "holder": row.assignee, "lane": row.lane, "message": self.message,
                        "count": row.urge_count})
        return row
