"""退回: send the case back to an earlier completed user step on its path.

See ``engine.tasks.paths`` for how the steps to restart are found: the target step,
and every other branch of a parallel block whose join lies between the target and
this task. Open tasks below the restarted steps are cancelled with their join tokens.
"""
from engine import history
from engine.errors import Conflict
from engine.tasks import paths, rules

from .base import TaskCommand, spiff_task


class ReturnTask(TaskCommand):
    loads_workflow = True

    def __init__(self, task_id, actor, to, reason):
        super().__init__(task_id, actor)
        self.to, self.reason = to, reason

    def execute(self, step):
        row = self.ready_row(step)
        rules.require_operator(self.actor, row, "退回")
        if row.kind != rules.TASK:
            raise Conflict("加签任务不能退回", code="not_returnable", details={"task_id": row.id})
        task = spiff_task(step.wf, row)
        target = paths.earlier_steps(task).get(self.to)
        if target is None:
            raise Conflict("只能退回到本办件已办理的前序环节", code="not_a_return_target",
                           details={"to": self.to})
        points = paths.restart_points(task, target)
        step.event(history.TASK_RETURNED, task_id=row.id, element_id=row.element_id, data={
            "name": row.name, "to": self.to, "to_name": target.task_spec.bpmn_name or self.to,
            "reason": self.reason, "restarted": [p.task_spec.bpmn_id for p in points]})
        paths.reset(step.wf, points)
        return row


def return_targets(wf, row):
    """[(element_id, name)] of the steps ``row``'s task may be returned to, in path order."""
    task = spiff_task(wf, row)
    return [(element, t.task_spec.bpmn_name or element) for element, t in paths.earlier_steps(task).items()]
