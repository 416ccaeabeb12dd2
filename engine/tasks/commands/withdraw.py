"""撤回: take back a task one completed while every next step is untouched.

The next steps (see ``paths.withdraw_plan``) are cancelled and the task is open
again, assigned to whoever withdrew it. If this task's branch was consumed by a
join, the join is undone: the other branches' tokens wait at the join again.
"""
from uuid import UUID

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from engine import history
from engine.errors import Conflict, Forbidden, TaskNotReady
from engine.models import HumanTask
from engine.tasks import paths, rules

from .base import TaskCommand, spiff_task, visible_row


class WithdrawTask(TaskCommand):
    loads_workflow = True

    def __init__(self, task_id, actor, reason):
        super().__init__(task_id, actor)
        self.reason = reason

    def execute(self, step):
        row = visible_row(step.session, self.task_id, self.actor)
        if row.state != rules.COMPLETED or row.kind != rules.TASK:
            raise TaskNotReady("只能撤回已办理的任务", details={"task_id": row.id, "state": row.state})
        if row.completed_by != self.actor.name and not self.actor.is_admin:
            raise Forbidden("只能撤回自己办理的任务", details={"task_id": row.id})
        newer = step.session.scalar(sa.select(HumanTask.id).where(
            HumanTask.case_id == row.case_id, HumanTask.spiff_task_id == row.spiff_task_id, HumanTask.id > row.id))
        if step.case.status != "running" or newer is not None:
            raise Conflict("办件已向前推进，不能撤回", code="cannot_withdraw", details={"task_id": row.id})
        if UUID(row.spiff_task_id) not in step.wf.tasks:  # an earlier round, kept in the trail only
            raise Conflict("办件已向前推进，不能撤回", code="cannot_withdraw", details={"task_id": row.id})
        task = spiff_task(step.wf, row)
        if paths.unit(task) is not task and paths.unit(task).state == TaskState.COMPLETED:
            raise Conflict("会签已全部完成，不能撤回", code="cannot_withdraw", details={"task_id": row.id})
        after, joins = paths.withdraw_plan(step.wf, task)
        moved = [t.task_spec.bpmn_name or t.task_spec.bpmn_id for t in after
                 if t.state == TaskState.COMPLETED and paths.is_user_step(t)]
        ids = {str(t.id) for t in after}
        rows = rules.open_rows(step.session, row.case_id)
        live = [r for r in rows if r.kind == rules.TASK and r.spiff_task_id in ids]
        touched = [r.name for r in live if r.assignee or rules.signers(rows, r)]  # claimed, or signers added
        if moved or touched:
            raise Conflict("下一环节已签收或已办理，不能撤回", code="cannot_withdraw",
                           details={"task_id": row.id, "steps": moved + touched})
        step.event(history.TASK_WITHDRAWN, task_id=row.id, element_id=row.element_id, data={
            "name": row.name, "reason": self.reason, "cancelled": [r.name for r in live]})
        paths.undo_joins(joins, task)
        step.wf.reset_from_task_id(task.id)
        step.assign_on_ready[str(task.id)] = self.actor.name
        return row
