"""办理: submit a task's form (and an opinion, 审批意见) and move the case on.

Three kinds of completion share this command:
- a 委派 delegate's: the task goes back to its owner with the delegate's data and opinion;
- a 加签 signer's: their row closes; the last signer added "after" lets the owner's task run;
- the owner's: runs the workflow task, unless signers added "after" must sign first.
"""
from engine import history
from engine.errors import Forbidden, TaskNotReady
from engine.models import utcnow
from engine.repository.forms import validate_free_data
from engine.tasks import rules
from engine.tasks.queries import may_work
from engine.window import rules as window_rules

from .base import TaskCommand, run_task, visible_row


class CompleteTask(TaskCommand):
    loads_workflow = True
    reports_next_tasks = True  # the executor sets ``next_tasks``: the case's open tasks the actor may work

    def __init__(self, task_id, actor, data, opinion=None):
        super().__init__(task_id, actor)
        self.data = data or {}
        self.opinion = (opinion or "").strip() or None

    def prepare(self, engine):
        """Validate the form before the case is locked: a slow or bad form holds no lock."""
        with engine.db.read() as session:
            row = visible_row(session, self.task_id, self.actor, options=[rules.WITH_CANDIDATES])
            self._case = row.case_id  # a task never changes case: no second read to find it
            if row.state != "READY":
                raise TaskNotReady(details={"task_id": self.task_id, "state": row.state})
            if not may_work(self.actor, row):
                raise Forbidden("您无权办理该任务", details={"task_id": self.task_id, "lane": row.lane})
            data = self.data
            if row.delegation == "resolved" and row.pending_data:
                data = {**row.pending_data.get("data", {}), **data}  # the owner confirms the delegate's work
            window_data = {}
            if row.kind == rules.TASK:  # acceptance / delivery rules the diagram switches on
                data, window_data = window_rules.split(engine, session, row, data)
            if row.form_key and row.kind == rules.TASK:
                form, _ = engine.repository.form(session, row.form_key, row.form_version)
                self.cleaned = form.validate(data)
            else:
                self.cleaned = validate_free_data(data)
            self.cleaned.update(window_data)

    def case_id(self, session):
        return self._case

    def execute(self, step):
        # Read again under the case's lock, with the case's other open rows (it is among them if still open).
        rules.open_rows(step.session, self._case)
        row = self.ready_row(step)
        # Re-checked under the lock: another clerk may have claimed it meanwhile.
        if not may_work(self.actor, row):
            raise TaskNotReady(details={"task_id": row.id, "state": row.state})
        if row.kind == rules.SIGN:
            return self._sign(step, row)
        if row.delegation == "pending":
            return self._delegate_done(step, row)
        live = rules.open_rows(step.session, row.case_id)
        after = [s for s in rules.signers(live, row, "after") if s.state == rules.PENDING]
        row.opinion = self.opinion
        if not row.assignee:  # 签收 and 办理 in one unit of work (the trail's task_completed names who)
            row.assignee, row.claimed_at = self.actor.name, utcnow()
        if after:  # 加签 (after): the signers sign first, then the owner's task runs
            for signer in after:
                signer.state = rules.READY
            row.pending_data = {"data": self.cleaned}
            row.completed_by = self.actor.name
            rules.refresh_waiting(step.session, row.case_id, live)
            step.event(history.TASK_COMPLETED, task_id=row.id, element_id=row.element_id,
                       data={"name": row.name, "lane": row.lane, "submitted": self.cleaned, "opinion": self.opinion,
                             "waiting_for": [s.assignee for s in after]})
            return row
        changes = run_task(step, row, self.cleaned)
        row.state, row.completed_at, row.completed_by = "COMPLETED", utcnow(), self.actor.name
        step.event(history.TASK_COMPLETED, task_id=row.id, element_id=row.element_id,
                   data={"name": row.name, "lane": row.lane, "submitted": self.cleaned, "changes": changes,
                         "opinion": self.opinion})
        return row

    def _delegate_done(self, step, row):
        """委派: the delegate's work goes back to the owner, who confirms it."""
        delegate = row.assignee
        row.pending_data = {"data": self.cleaned, "opinion": self.opinion, "by": delegate}
        row.assignee, row.delegation, row.claimed_at = row.owner, "resolved", utcnow()
        step.event(history.TASK_DELEGATION_RESOLVED, task_id=row.id, element_id=row.element_id,
                   data={"name": row.name, "delegate": delegate, "owner": row.owner,
                         "submitted": self.cleaned, "opinion": self.opinion})
        return row

    def _sign(self, step, row):
        row.state, row.completed_at, row.completed_by = "COMPLETED", utcnow(), self.actor.name
        row.opinion = self.opinion
        step.event(history.TASK_COMPLETED, task_id=row.id, element_id=row.element_id,
                   data={"name": row.name, "lane": row.lane, "submitted": self.cleaned, "opinion": self.opinion,
                         "signed_for": row.parent_task_id, "position": row.sign_position})
        finish_owner_if_signed(step, row.parent_task_id)
        return row


def finish_owner_if_signed(step, owner_id):
    """Once no signer is left open, the owner's task waits no more (before) or runs (after)."""
    from engine.models import HumanTask

    live = rules.open_rows(step.session, step.case.id)
    owner = step.session.get(HumanTask, owner_id)
    if owner is None or owner.state not in rules.OPEN:
        return
    if owner.completed_by and not [s for s in rules.signers(live, owner) if s.state in rules.OPEN]:
        run_task(step, owner, (owner.pending_data or {}).get("data", {}))
        owner.state, owner.completed_at = "COMPLETED", utcnow()
        step.event(history.TASK_COMPLETED, task_id=owner.id, element_id=owner.element_id,
                   data={"name": owner.name, "lane": owner.lane, "after_signers": True})
    rules.refresh_waiting(step.session, step.case.id)
