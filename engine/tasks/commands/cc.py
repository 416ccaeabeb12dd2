"""抄送: a read-only copy of the task's case in each recipient's 抄送我的 tab."""
from engine import history
from engine.models import TaskCc, utcnow

from .base import CaseTaskCommand, people


class CcTask(CaseTaskCommand):
    def __init__(self, task_id, actor, users, note):
        super().__init__(task_id, actor)
        self.users, self.note = users, note or ""

    def execute(self, ctx):
        row = self.row(ctx)
        users = people(ctx.session, self.users, roles=("clerk", "admin", "auditor"))
        now = utcnow()
        ctx.session.add_all([TaskCc(case_id=row.case_id, task_id=row.id, from_user=self.actor.name, to_user=u.name,
                                    note=self.note, at=now) for u in users])
        ctx.event(history.TASK_CC, task_id=row.id, element_id=row.element_id,
                  data={"name": row.name, "users": [u.name for u in users], "note": self.note})
        return row
