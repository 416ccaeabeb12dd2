"""办理: submit a task's form and move the case on."""
from uuid import UUID

from SpiffWorkflow.util.task import TaskState

from engine import history
from engine.errors import Forbidden, TaskNotReady, TongbanError
from engine.runtime.failures import element_error
from engine.models import utcnow
from engine.repository.forms import validate_free_data
from engine.tasks.queries import may_work

from .base import TaskCommand, visible_row


class CompleteTask(TaskCommand):
    loads_workflow = True

    def __init__(self, task_id, actor, data):
        super().__init__(task_id, actor)
        self.data = data or {}

    def prepare(self, engine):
        """Validate the form before the case is locked: a slow or bad form holds no lock."""
        with engine.db.read() as session:
            row = visible_row(session, self.task_id, self.actor)
            if row.state != "READY":
                raise TaskNotReady(details={"task_id": self.task_id, "state": row.state})
            if not may_work(self.actor, row):
                raise Forbidden("您无权办理该任务", details={"task_id": self.task_id, "lane": row.lane})
            if row.form_key:
                form, _ = engine.repository.form(session, row.form_key, row.form_version)
                self.cleaned = form.validate(self.data)
            else:
                self.cleaned = validate_free_data(self.data)

    def execute(self, step):
        row = self.ready_row(step)
        # Re-checked under the lock: another clerk may have claimed it meanwhile.
        if not may_work(self.actor, row):
            raise TaskNotReady(details={"task_id": row.id, "state": row.state})
        task = step.wf.get_task_from_id(UUID(row.spiff_task_id))
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(details={"task_id": row.id})
        changes = history.changes_of(task.data, self.cleaned)
        task.data.update(self.cleaned)
        try:
            task.run()
        except TongbanError:
            raise
        except Exception as exc:  # e.g. a multi-instance item missing: a 4xx naming the element
            raise element_error(exc, task) from exc
        row.state, row.completed_at, row.completed_by = "COMPLETED", utcnow(), self.actor.name
        if not row.assignee:
            row.assignee = self.actor.name
        step.recorded_tasks.add(task.id)
        step.event(history.TASK_COMPLETED, task_id=row.id, element_id=row.element_id,
                   data={"name": row.name, "lane": row.lane, "submitted": self.cleaned, "changes": changes})
        return row
