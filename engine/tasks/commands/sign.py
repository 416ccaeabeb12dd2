"""加签: add signers beside a task, no diagram change.

before: each added clerk gets a task now and the owner's task waits for them;
after: they get their tasks once the owner completes, and the case moves on when
they have all signed. The signers' rows live in the same inbox table (kind "sign").
"""
from uuid import uuid4

from engine import history
from engine.errors import Conflict
from engine.models import HumanTask, utcnow
from engine.tasks import rules

from .base import TaskCommand, people


class SignTask(TaskCommand):
    def __init__(self, task_id, actor, users, position, reason):
        super().__init__(task_id, actor)
        self.users, self.position, self.reason = users, position, reason

    def execute(self, ctx):
        row = self.ready_row(ctx)
        rules.require_operator(self.actor, row, "加签")
        if row.kind != rules.TASK or row.delegation == "pending":
            raise Conflict("该任务不能加签", code="not_signable", details={"task_id": row.id})
        live = rules.open_rows(ctx.session, row.case_id)
        already = {s.assignee for s in rules.signers(live, row)}
        users = people(ctx.session, self.users)
        clash = [u.name for u in users if u.name in already or u.name == (row.assignee or self.actor.name)]
        if clash:
            raise Conflict("这些人员已在本任务上", code="already_signing", details={"users": clash})
        if not row.assignee:
            row.assignee, row.claimed_at = self.actor.name, utcnow()  # who adds signers owns the task
        state = rules.READY if self.position == "before" else rules.PENDING
        added = [HumanTask(case_id=row.case_id, spiff_task_id=str(uuid4()), element_id=row.element_id,
                           name=f"{row.name}（加签）", lane=row.lane, state=state, assignee=u.name,
                           created_at=utcnow(), kind=rules.SIGN, parent_task_id=row.id,
                           sign_position=self.position, urge_count=0) for u in users]
        ctx.session.add_all(added)
        ctx.session.flush()
        rules.refresh_waiting(ctx.session, row.case_id, live + added)
        ctx.event(history.TASK_SIGNED, task_id=row.id, element_id=row.element_id,
                  data={"name": row.name, "users": [u.name for u in users], "position": self.position,
                        "reason": self.reason, "tasks": [a.id for a in added]})
        for a in added:
            if a.state == rules.READY:
                ctx.event(history.TASK_READY, actor=None, task_id=a.id, element_id=a.element_id,
                          data={"name": a.name, "lane": a.lane, "assignee": a.assignee})
        return row
