"""减签: remove added signers who have not signed yet."""
from engine import history
from engine.errors import Conflict, TaskNotReady
from engine.models import utcnow
from engine.tasks import rules

from .base import TaskCommand, visible_row
from .complete import finish_owner_if_signed


class UnsignTask(TaskCommand):
    loads_workflow = True  # removing the last signer "after" lets the owner's task run

    def __init__(self, task_id, actor, users, reason=None):
        super().__init__(task_id, actor)
        self.users, self.reason = users, reason

    def execute(self, step):
        row = visible_row(step.session, self.task_id, self.actor)
        if row.kind != rules.TASK or row.state not in (rules.READY, rules.WAITING):
            raise TaskNotReady(details={"task_id": row.id, "state": row.state})
        rules.require_operator(self.actor, row, "减签")
        live = rules.open_rows(step.session, row.case_id)
        removed = [s for s in rules.signers(live, row) if s.assignee in set(self.users)]
        if not removed:
            raise Conflict("这些人员没有未办理的加签任务", code="not_signing", details={"users": self.users})
        for s in removed:
            s.state, s.completed_at = rules.CANCELLED, utcnow()
        step.event(history.TASK_UNSIGNED, task_id=row.id, element_id=row.element_id,
                   data={"name": row.name, "users": [s.assignee for s in removed], "reason": self.reason,
                         "tasks": [s.id for s in removed]})
        finish_owner_if_signed(step, row.id)
        return row
